package org.sparsetrain.training.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LargestMagnitudesTest {
  /** The reference: sort by (|g| descending, index ascending), keep k, ascending indices. */
  private static int[] bySorting(float[] g, int n, int k) {
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> {
      int c = Float.compare(Math.abs(g[b]), Math.abs(g[a]));
      return c != 0 ? c : Integer.compare(a, b);
    });
    int[] out = new int[Math.max(0, Math.min(k, n))];
    for (int i = 0; i < out.length; i++) {
      out[i] = order[i];
    }
    Arrays.sort(out);
    return out;
  }

  @Test
  void keepsTheLargestMagnitudesWithTiesByIndex() {
    SplittableRandom r = new SplittableRandom(5);
    for (int round = 0; round < 300; round++) {
      int n = 1 + r.nextInt(2000);
      float[] g = new float[n + 3];
      int kind = round % 4;
      for (int i = 0; i < g.length; i++) {
        g[i] = switch (kind) {
          case 0 -> (float) r.nextGaussian();
          case 1 -> r.nextInt(7) - 3;                                   // many ties, zeros, both signs
          case 2 -> (float) (r.nextGaussian() * Math.pow(2, r.nextInt(80) - 40)); // every exponent range
          default -> Math.nextUp(1f) * (r.nextBoolean() ? 1 : -1) + (r.nextInt(3) == 0 ? -0f : 0f); // near-equal bits
        };
      }
      if (round % 10 == 0) {
        g[0] = -0f;
      }
      for (int k : new int[] {0, 1, r.nextInt(n + 1), n - 1, n, n + 5}) {
        assertArrayEquals(bySorting(g, n, k), LargestMagnitudes.indices(g, n, k), "n " + n + " k " + k + " kind " + kind);
      }
    }
  }
}
