package org.sparsetrain.pruning.criteria;

import java.util.Arrays;

/** Per-layer magnitude pruning: the indices of the n smallest |w|, ties broken by the lower index. */
public final class MagnitudePrune {
  private MagnitudePrune() {}

  /** Indices of the {@code n} stored weights with the smallest magnitude, ascending index order. */
  public static int[] smallest(float[] values, int n) {
    if (n <= 0) {
      return new int[0];
    }
    if (n > values.length) {
      throw new IllegalArgumentException("cannot drop " + n + " of " + values.length + " weights");
    }
    long[] keys = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      // non-negative floats order like their bit patterns; the index breaks ties
      keys[i] = ((long) Float.floatToIntBits(Math.abs(values[i])) << 32) | i;
    }
    Arrays.sort(keys);
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = (int) keys[i];
    }
    Arrays.sort(out);
    return out;
  }
}
