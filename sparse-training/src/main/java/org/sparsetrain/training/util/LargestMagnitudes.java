package org.sparsetrain.training.util;

/**
 * The k entries of largest |g| (equal |g| by the lower index), as ascending indices, by selecting
 * on the bits of |g|: a finite float's magnitude orders exactly as its bits read as an int, so a
 * two-pass radix select (high 16 bits, then low 15) finds the k-th largest magnitude T in O(n),
 * and one ascending pass keeps every entry above T and the first of those equal to T. What a
 * mask update's growth keeps of a row block's dense gradient, without sorting it.
 */
public final class LargestMagnitudes {
  private LargestMagnitudes() {}

  /** Indices of the k largest |g[i]|, i &lt; n, ascending (all n when k ≥ n). g must be finite. */
  public static int[] indices(float[] g, int n, int k) {
    if (k >= n) {
      return java.util.stream.IntStream.range(0, n).toArray();
    }
    if (k <= 0) {
      return new int[0];
    }
    int[] high = new int[1 << 16];
    for (int i = 0; i < n; i++) {
      high[bits(g[i]) >>> 15]++;
    }
    int h = high.length - 1;
    int above = 0;
    while (above + high[h] < k) {
      above += high[h--];
    }
    int[] low = new int[1 << 15];
    for (int i = 0; i < n; i++) {
      int b = bits(g[i]);
      if (b >>> 15 == h) {
        low[b & 0x7FFF]++;
      }
    }
    int l = low.length - 1;
    while (above + low[l] < k) {
      above += low[l--];
    }
    int threshold = h << 15 | l;
    int ties = k - above;
    int[] out = new int[k];
    int m = 0;
    for (int i = 0; i < n; i++) {
      int b = bits(g[i]);
      if (b > threshold || b == threshold && ties-- > 0) {
        out[m++] = i;
      }
    }
    return out;
  }

  /** |g| as its bits: non-negative, ordered like the magnitudes. */
  private static int bits(float g) {
    return Float.floatToRawIntBits(g) & 0x7FFFFFFF;
  }
}
