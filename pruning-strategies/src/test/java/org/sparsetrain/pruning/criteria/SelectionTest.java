package org.sparsetrain.pruning.criteria;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SelectionTest {
  private static final float[] FEW = {
      0.0f, -0.0f, 0.5f, -0.5f, 1.0f, -1.0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.NaN,
      Float.intBitsToFloat(0xffc00001), Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};

  /** Sorts the indices not excluded by (|v| with NaN above +∞, index), takes n, sorts them. */
  private static int[] reference(float[] v, int n, boolean[] excluded) {
    Integer[] idx = new Integer[v.length];
    int m = 0;
    for (int i = 0; i < v.length; i++) {
      if (excluded == null || !excluded[i]) {
        idx[m++] = i;
      }
    }
    Comparator<Integer> byMagnitude = (a, b) -> {
      int c = Float.compare(Math.abs(v[a]), Math.abs(v[b]));
      return c != 0 ? c : Integer.compare(a, b);
    };
    Arrays.sort(idx, 0, m, byMagnitude);
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = idx[i];
    }
    Arrays.sort(out);
    return out;
  }

  @Test
  void smallestMatchesAFullSort() {
    SplittableRandom r = new SplittableRandom(42);
    for (int c = 0; c < 400; c++) {
      int len = c % 10 == 0 ? r.nextInt(30) : r.nextInt(c % 4 == 0 ? 60_000 : 5_000);
      int kind = r.nextInt(4);
      float[] v = new float[len];
      for (int i = 0; i < len; i++) {
        switch (kind) {
          case 0:
            v[i] = (float) r.nextGaussian();
            break;
          case 1:
            v[i] = FEW[r.nextInt(FEW.length)];
            break;
          case 2:
            v[i] = r.nextInt(3) * 0.25f;
            break;
          default:
            v[i] = (float) r.nextGaussian() * (i % 3 - 1);   // every third weight is -0.0f or 0.0f
        }
      }
      boolean[] excluded = null;
      int m = len;
      if (r.nextBoolean()) {
        excluded = new boolean[len];
        for (int i = 0; i < len; i++) {
          excluded[i] = r.nextInt(4) == 0;
          m -= excluded[i] ? 1 : 0;
        }
      }
      int[] ns = {0, 1, r.nextInt(m + 1), m, Math.max(0, m - 1)};
      int n = ns[r.nextInt(ns.length)];
      assertArrayEquals(reference(v, n, excluded), Selection.smallest(v, n, excluded), "case " + c + ": " + n + " of " + m);
    }
  }

  @Test
  void nanIsLargestAndSignedZerosTieByIndex() {
    float[] v = {Float.NaN, -0.0f, Float.POSITIVE_INFINITY, 0.0f, Float.intBitsToFloat(0xffc00001), -0.0f};
    assertArrayEquals(new int[] {1, 3}, Selection.smallest(v, 2));
    assertArrayEquals(new int[] {1, 2, 3, 5}, Selection.smallest(v, 4));
    assertArrayEquals(new int[] {0, 1, 2, 3, 5}, Selection.smallest(v, 5));
    boolean[] excluded = {false, true, false, false, false, true};
    assertArrayEquals(new int[] {0, 2, 3}, Selection.smallest(v, 3, excluded));
    assertThrows(IllegalArgumentException.class, () -> Selection.smallest(v, 5, excluded));
  }
}
