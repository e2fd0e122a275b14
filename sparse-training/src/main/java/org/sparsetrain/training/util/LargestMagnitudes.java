package org.sparsetrain.training.util;

/**
 * The k entries of largest |g| (equal |g| by the lower index), as ascending indices: a
 * {@link RadixSelect} on the bits of |g|, which order exactly like the magnitudes. What a mask
 * update's growth keeps of a row block's dense gradient, without sorting it.
 */
public final class LargestMagnitudes {
  private LargestMagnitudes() {}

  /** Indices of the k largest |g[i]|, i &lt; n, ascending (all n when k ≥ n). g must be finite. */
  public static int[] indices(float[] g, int n, int k) {
    return RadixSelect.largest(keys(g, n), n, k);
  }

  /** |g[i]| as its bits for i &lt; n: non-negative, ordered like the magnitudes (NaN above infinity). */
  public static int[] keys(float[] g, int n) {
    int[] keys = new int[n];
    for (int i = 0; i < n; i++) {
      keys[i] = Float.floatToRawIntBits(g[i]) & 0x7FFFFFFF;
    }
    return keys;
  }
}
