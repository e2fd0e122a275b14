package org.sparsetrain.training.spark;

/**
 * Exact, order-independent summation of float gradients: every value is rounded once to the grid
 * 2^-40 and held as a {@code long}, and long addition is associative, so the sum of the
 * micro-batch gradients is the same bit for bit whatever the number of partitions, the tree shape
 * of {@code treeAggregate} or the order in which tasks finish. The grid is finer than a float's
 * resolution for any value above 2^-17 in magnitude; a single value must stay below 2^21 in
 * magnitude (a mean gradient that large means the run has diverged), which is reported, never
 * silently wrapped.
 */
public final class FixedPoint {
  private FixedPoint() {}

  public static final int FRACTION_BITS = 40;
  private static final double SCALE = 0x1p40;
  private static final double INV = 0x1p-40;
  private static final double LIMIT = 0x1p61;

  /** {@code acc[i] += round(g[off + i] · 2^40)} for i &lt; n; false if a value was not finite, too large, or a sum overflowed. */
  public static boolean add(float[] g, int off, long[] acc, int n) {
    boolean ok = true;
    for (int i = 0; i < n; i++) {
      double v = g[off + i] * SCALE;
      if (!(Math.abs(v) < LIMIT)) {
        ok = false;
        continue;
      }
      long a = acc[i];
      long b = Math.round(v);
      long r = a + b;
      if (((a ^ r) & (b ^ r)) < 0) {
        ok = false;
      }
      acc[i] = r;
    }
    return ok;
  }

  /** {@code acc[i] += round(v · 2^40)}; false if v is not finite, too large, or the sum overflowed. */
  public static boolean addOne(long[] acc, int i, float v) {
    double s = v * SCALE;
    if (!(Math.abs(s) < LIMIT)) {
      return false;
    }
    long a = acc[i];
    long b = Math.round(s);
    long r = a + b;
    acc[i] = r;
    return ((a ^ r) & (b ^ r)) >= 0;
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
