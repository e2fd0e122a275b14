package org.sparsetrain.training.spark;

/**
 * Exact, order-independent summation of float gradients: every value is cut once to the grid
 * 2^-40 (truncated toward zero) and held as a {@code long}, and long addition is associative, so
 * the sum of the micro-batch gradients is the same bit for bit whatever the number of partitions,
 * the order in which tasks finish or the way their results are merged. The grid is finer than a
 * float's resolution for any value above 2^-17 in magnitude; a single value must stay below 2^21
 * in magnitude (a mean gradient that large means the run has diverged), which is reported, never
 * silently wrapped.
 */
public final class FixedPoint {
  private FixedPoint() {}

  public static final int FRACTION_BITS = 40;
  private static final double SCALE = 0x1p40;
  private static final double INV = 0x1p-40;
  private static final double LIMIT = 0x1p61;

  /**
   * {@code acc[i] += trunc(g[off + i] · 2^40)} for i &lt; n; false if a value was not finite, too
   * large, or a sum overflowed (then {@code acc} holds garbage and the caller fails the step). The
   * loop has no branches, so the JIT can vectorise it.
   */
  public static boolean add(float[] g, int off, long[] acc, int n) {
    return add(g, off, acc, 0, n);
  }

  /** {@code acc[accOff + i] += trunc(g[off + i] · 2^40)} for i &lt; n; false as in {@link #add(float[], int, long[], int)}. */
  public static boolean add(float[] g, int off, long[] acc, int accOff, int n) {
    double max = 0;
    long overflow = 0;
    for (int i = 0; i < n; i++) {
      double v = g[off + i] * SCALE;
      max = Math.max(max, Math.abs(v));
      long a = acc[accOff + i];
      long b = (long) v;
      long r = a + b;
      overflow |= (a ^ r) & (b ^ r);
      acc[accOff + i] = r;
    }
    return max < LIMIT && overflow >= 0;
  }

  /** {@code dst[i] += src[i]}; false if a sum overflowed. */
  public static boolean addInto(long[] src, long[] dst) {
    boolean ok = true;
    for (int i = 0; i < src.length; i++) {
      long a = dst[i];
      long b = src[i];
      long r = a + b;
      if (((a ^ r) & (b ^ r)) < 0) {
        ok = false;
      }
      dst[i] = r;
    }
    return ok;
  }

  public static float[] toFloat(long[] acc) {
    float[] out = new float[acc.length];
    for (int i = 0; i < acc.length; i++) {
      out[i] = (float) (acc[i] * INV);
    }
    return out;
  }
}
