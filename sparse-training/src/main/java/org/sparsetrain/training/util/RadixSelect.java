package org.sparsetrain.training.util;

/**
 * The k entries of largest or smallest magnitude |v[i]| of n floats, equal magnitudes by the
 * lower index, as ascending indices, in O(n) and without sorting: a number's magnitude orders
 * exactly as its bits read as an int, so a two-pass radix select (high 16 bits, then low 15)
 * finds the k-th magnitude T, and one ascending pass keeps every entry beyond T and the first of
 * those equal to T. What magnitude pruning drops and what growth keeps of a gradient.
 *
 * <p>NaN is no magnitude: {@link #largest} takes NaN entries (by index) only when fewer than k
 * entries are numbers, {@link #smallest} never takes them.
 */
public final class RadixSelect {
  /** The bits of +∞ with the sign cleared; anything above is NaN. */
  private static final int INFINITY = 0x7F800000;

  private RadixSelect() {}

  /** Indices of the k largest |v[i]|, i &lt; n (all n when k ≥ n), ascending. */
  public static int[] largest(float[] v, int n, int k) {
    if (k >= n) {
      return java.util.stream.IntStream.range(0, n).toArray();
    }
    if (k <= 0) {
      return new int[0];
    }
    int[] high = new int[1 << 16];
    int numbers = histogram(v, n, high);
    int[] out = new int[k];
    int m = 0;
    if (numbers <= k) {   // every number, then the first NaN entries
      int extra = k - numbers;
      for (int i = 0; i < n; i++) {
        if (key(v[i]) <= INFINITY || extra-- > 0) {
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
    int[] low = lowHistogram(v, n, h);
    int l = low.length - 1;
    while (above + low[l] < k) {
      above += low[l--];
    }
    int threshold = h << 15 | l;
    int ties = k - above;
    for (int i = 0; i < n; i++) {
      int key = key(v[i]);
      if (key <= INFINITY && (key > threshold || key == threshold && ties-- > 0)) {
        out[m++] = i;
      }
    }
    return out;
  }

  /**
   * Indices of the k smallest |v[i]|, i &lt; n, among the numbers, ascending; an
   * IllegalArgumentException when fewer than k entries are numbers.
   */
  public static int[] smallest(float[] v, int n, int k) {
    if (k <= 0) {
      return new int[0];
    }
    int[] high = new int[1 << 16];
    int numbers = histogram(v, n, high);
    if (k > numbers) {
      throw new IllegalArgumentException("cannot choose " + k + " of " + numbers + " numbers");
    }
    int h = 0;
    int below = 0;
    while (below + high[h] < k) {
      below += high[h++];
    }
    int[] low = lowHistogram(v, n, h);
    int l = 0;
    while (below + low[l] < k) {
      below += low[l++];
    }
    int threshold = h << 15 | l;
    int ties = k - below;
    int[] out = new int[k];
    int m = 0;
    for (int i = 0; i < n; i++) {
      int key = key(v[i]);
      if (key < threshold || key == threshold && ties-- > 0) {
        out[m++] = i;
      }
    }
    return out;
  }

  /** |x| as its bits: ordered like the magnitudes; above {@link #INFINITY} for NaN. */
  private static int key(float x) {
    return Float.floatToRawIntBits(x) & 0x7FFFFFFF;
  }

  /** Counts the numbers by the high 16 bits of their magnitude; returns how many there are. */
  private static int histogram(float[] v, int n, int[] high) {
    int numbers = 0;
    for (int i = 0; i < n; i++) {
      int key = key(v[i]);
      if (key <= INFINITY) {
        high[key >>> 15]++;
        numbers++;
      }
    }
    return numbers;
  }

  /** Counts the numbers whose magnitude's high bits are h by their low 15 bits. */
  private static int[] lowHistogram(float[] v, int n, int h) {
    int[] low = new int[1 << 15];
    for (int i = 0; i < n; i++) {
      int key = key(v[i]);
      if (key >>> 15 == h && key <= INFINITY) {
        low[key & 0x7FFF]++;
      }
    }
    return low;
  }
}
