package org.sparsetrain.training.util;

/**
 * The k entries of largest |g| (equal |g| by the lower index), as ascending indices, by a
 * {@link RadixSelect} on the bits of |g|: what a mask update's growth keeps of a row block's dense
 * gradient, without sorting it.
 */
public final class LargestMagnitudes {
  private LargestMagnitudes() {}

  /** Indices of the k largest |g[i]|, i &lt; n, ascending (all n when k ≥ n). g must be finite. */
  public static int[] indices(float[] g, int n, int k) {
    return RadixSelect.largest(g, n, k);
  }
}
