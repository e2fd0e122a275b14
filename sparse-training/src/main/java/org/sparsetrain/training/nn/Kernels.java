package org.sparsetrain.training.nn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The inner loops of every layer, on batch-contiguous vectors. Uses the JDK Vector API when the
 * {@code jdk.incubator.vector} module is present and falls back to scalar loops otherwise, so the
 * jar runs on any Java 17.
 */
public final class Kernels {
  private Kernels() {}

  static final boolean VECTOR = vectorAvailable();
  private static final VectorSpecies<Float> S = VECTOR ? FloatVector.SPECIES_PREFERRED : null;

  private static boolean vectorAvailable() {
    if (Boolean.getBoolean("sparsetrain.scalar")) {
      return false;
    }
    try {
      return FloatVector.SPECIES_PREFERRED.length() > 1;
    } catch (Throwable t) {
      return false;
    }
  }

  /** Whether the Vector API path is in use. */
  public static boolean vectorised() {
    return VECTOR;
  }

  /** y[yo .. yo+n) += a * x[xo .. xo+n). */
  public static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
    int i = 0;
    if (VECTOR) {
      int bound = S.loopBound(n);
      FloatVector va = FloatVector.broadcast(S, a);
      for (; i < bound; i += S.length()) {
        FloatVector vx = FloatVector.fromArray(S, x, xo + i);
        FloatVector vy = FloatVector.fromArray(S, y, yo + i);
        vx.fma(va, vy).intoArray(y, yo + i);
      }
    }
    for (; i < n; i++) {
      y[yo + i] += a * x[xo + i];
    }
  }

  /** Sum over i of x[xo+i] * y[yo+i]. */
  public static float dot(float[] x, int xo, float[] y, int yo, int n) {
    int i = 0;
    float s = 0f;
    if (VECTOR) {
      int bound = S.loopBound(n);
      FloatVector acc = FloatVector.zero(S);
      for (; i < bound; i += S.length()) {
        acc = FloatVector.fromArray(S, x, xo + i).fma(FloatVector.fromArray(S, y, yo + i), acc);
      }
      s = acc.reduceLanes(VectorOperators.ADD);
    }
    for (; i < n; i++) {
      s += x[xo + i] * y[yo + i];
    }
    return s;
  }

  /** Sum of x[xo .. xo+n). */
  public static float sum(float[] x, int xo, int n) {
    int i = 0;
    float s = 0f;
    if (VECTOR) {
      int bound = S.loopBound(n);
      FloatVector acc = FloatVector.zero(S);
      for (; i < bound; i += S.length()) {
        acc = acc.add(FloatVector.fromArray(S, x, xo + i));
      }
      s = acc.reduceLanes(VectorOperators.ADD);
    }
    for (; i < n; i++) {
      s += x[xo + i];
    }
    return s;
  }

  /** y[i] += x[i] for i in [0, n). */
  public static void add(float[] x, float[] y, int n) {
    axpy(1f, x, 0, y, 0, n);
  }
}
