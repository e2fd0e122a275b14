package org.sparsetrain.training.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RadixSelectTest {
  /**
   * The reference: order by |v| (descending for largest, ascending for smallest; NaN last, all
   * equal), equal magnitudes by index; keep k; ascending indices.
   */
  private static int[] bySorting(float[] v, int n, int k, boolean largest) {
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> {
      boolean na = Float.isNaN(v[a]);
      boolean nb = Float.isNaN(v[b]);
      int c;
      if (na || nb) {
        c = Boolean.compare(na, nb);
      } else {
        c = largest ? Float.compare(Math.abs(v[b]), Math.abs(v[a])) : Float.compare(Math.abs(v[a]), Math.abs(v[b]));
      }
      return c != 0 ? c : Integer.compare(a, b);
    });
    int[] out = new int[Math.max(0, Math.min(k, n))];
    for (int i = 0; i < out.length; i++) {
      out[i] = order[i];
    }
    Arrays.sort(out);
    return out;
  }

  private static float[] values(SplittableRandom r, int n, int kind) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = switch (kind) {
        case 0 -> (float) r.nextGaussian();
        case 1 -> r.nextInt(5) - 2;                                                  // many ties, ±0
        case 2 -> Float.intBitsToFloat((r.nextInt(3) << 15) | r.nextInt(4)) * (r.nextBoolean() ? 1 : -1); // ties in both digits
        case 3 -> r.nextInt(4) == 0 ? Float.intBitsToFloat(0x7FC00000 | r.nextInt(9)) * (r.nextBoolean() ? 1 : -1)
            : r.nextInt(9) == 0 ? Float.POSITIVE_INFINITY * (r.nextBoolean() ? 1 : -1) : r.nextInt(40);  // NaN, ±∞
        case 4 -> Math.nextUp(1f) * (r.nextBoolean() ? 1 : -1) + (r.nextInt(3) == 0 ? -0f : 0f); // near-equal bits
        default -> (float) (r.nextGaussian() * Math.pow(2, r.nextInt(300) - 150));  // every exponent, subnormals
      };
    }
    if (kind == 1) {
      v[0] = -0f;
    }
    return v;
  }

  @Test
  void largestAndSmallestMatchSorting() {
    SplittableRandom r = new SplittableRandom(11);
    for (int round = 0; round < 500; round++) {
      int n = 1 + r.nextInt(1500);
      int kind = round % 6;
      float[] v = values(r, n + 4, kind);
      int numbers = 0;
      for (int i = 0; i < n; i++) {
        numbers += Float.isNaN(v[i]) ? 0 : 1;
      }
      for (int k : new int[] {0, 1, r.nextInt(n + 1), numbers, n - 1, n, n + 3}) {
        String what = "n " + n + " k " + k + " kind " + kind;
        assertArrayEquals(bySorting(v, n, k, true), RadixSelect.largest(v, n, k), what);
        if (k <= numbers) {
          assertArrayEquals(bySorting(v, n, k, false), RadixSelect.smallest(v, n, k), what);
        } else {
          assertThrows(IllegalArgumentException.class, () -> RadixSelect.smallest(v, n, k), what);
        }
      }
    }
  }

  @Test
  void handComputedCases() {
    float[] v = {5f, Float.NaN, -3f, -5f, 0f, 3f, Float.NaN};
    assertArrayEquals(new int[] {0, 3}, RadixSelect.largest(v, 7, 2));
    assertArrayEquals(new int[] {0, 2, 3}, RadixSelect.largest(v, 7, 3));
    assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, RadixSelect.largest(v, 7, 6));  // then the first NaN
    assertArrayEquals(new int[] {2, 4}, RadixSelect.smallest(v, 7, 2));
    assertArrayEquals(new int[] {0, 2, 4, 5}, RadixSelect.smallest(v, 7, 4));
    assertThrows(IllegalArgumentException.class, () -> RadixSelect.smallest(v, 7, 6));
  }
}
