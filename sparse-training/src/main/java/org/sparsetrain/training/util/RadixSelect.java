package org.sparsetrain.training.util;

/**
 * The k largest or smallest of n int keys, equal keys by the lower index, as ascending indices, in
 * O(n): a two-pass radix select on the non-negative keys (high 16 bits, then low 15) finds the
 * k-th key T, and one ascending pass keeps every key beyond T and the first of those equal to T.
 * Non-negative floats order exactly as their bits read as an int, so with keys = magnitude bits
 * this ranks weights and gradients by |x| without sorting (magnitude pruning, growth).
 *
 * <p>A negative key marks an entry that ranks below every non-negative one: {@link #largest}
 * takes negative-key entries, by index, only when fewer than k keys are non-negative, and
 * {@link #smallest} never takes them.
 */
public final class RadixSelect {
  private RadixSelect() {}

  /** Indices of the k largest keys[i], i &lt; n (all n when k ≥ n), ascending. */
  public static int[] largest(int[] keys, int n, int k) {
    if (k >= n) {
      return java.util.stream.IntStream.range(0, n).toArray();
    }
    if (k <= 0) {
      return new int[0];
    }
    int[] high = new int[1 << 16];
    int ranked = histogram(keys, n, high);
    int[] out = new int[k];
    int m = 0;
    if (ranked <= k) {   // every non-negative key, then the first negative ones
      int extra = k - ranked;
      for (int i = 0; i < n; i++) {
        if (keys[i] >= 0 || extra-- > 0) {
          out[m++] = i;
        }
      }
      return out;
    }
    int h = high.length - 1;
    int above = 0;
    while (above + high[h] < k) {
      above += high[h--];
    }
    int[] low = lowHistogram(keys, n, h);
    int l = low.length - 1;
    while (above + low[l] < k) {
      above += low[l--];
    }
    int threshold = h << 15 | l;
    int ties = k - above;
    for (int i = 0; i < n; i++) {
      int key = keys[i];
      if (key > threshold || key == threshold && ties-- > 0) {
        out[m++] = i;
      }
    }
    return out;
  }

  /**
   * Indices of the k smallest non-negative keys[i], i &lt; n, ascending; an
   * IllegalArgumentException when fewer than k keys are non-negative.
   */
  public static int[] smallest(int[] keys, int n, int k) {
    if (k <= 0) {
      return new int[0];
    }
    int[] high = new int[1 << 16];
    int ranked = histogram(keys, n, high);
    if (k > ranked) {
      throw new IllegalArgumentException("cannot choose " + k + " of " + ranked + " entries");
    }
    int h = 0;
    int below = 0;
    while (below + high[h] < k) {
      below += high[h++];
    }
    int[] low = lowHistogram(keys, n, h);
    int l = 0;
    while (below + low[l] < k) {
      below += low[l++];
    }
    int threshold = h << 15 | l;
    int ties = k - below;
    int[] out = new int[k];
    int m = 0;
    for (int i = 0; i < n; i++) {
      int key = keys[i];
      if (key >= 0 && (key < threshold || key == threshold && ties-- > 0)) {
        out[m++] = i;
      }
    }
    return out;
  }

  /** Counts the non-negative keys by their high 16 bits; returns how many there are. */
  private static int histogram(int[] keys, int n, int[] high) {
    int ranked = 0;
    for (int i = 0; i < n; i++) {
      int key = keys[i];
      if (key >= 0) {
        high[key >>> 15]++;
        ranked++;
      }
    }
    return ranked;
  }

  /** Counts the keys whose high bits are h by their low 15 bits. */
  private static int[] lowHistogram(int[] keys, int n, int h) {
    int[] low = new int[1 << 15];
    for (int i = 0; i < n; i++) {
      int key = keys[i];
      if (key >= 0 && key >>> 15 == h) {
        low[key & 0x7FFF]++;
      }
    }
    return low;
  }
}
