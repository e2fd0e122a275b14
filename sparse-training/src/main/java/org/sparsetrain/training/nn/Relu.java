package org.sparsetrain.training.nn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.Vector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * ReLU and its backward pass without data-dependent branches: about half of a hidden layer's
 * pre-activations are negative, so the scalar {@code if} mispredicts on every other element. Same
 * results bit for bit as the scalar loops (values below zero become +0; -0 and NaN stay as they
 * are; the backward pass zeroes delta where the output is &lt;= 0).
 */
final class Relu {
  private Relu() {}

  /** a[o + i] for i &lt; n. */
  static void forward(float[] a, int o, int n) {
    int i = 0;
    if (Kernels.VECTOR) {
      i = Vec.forward(a, o, n);
    }
    for (; i < n; i++) {
      if (a[o + i] < 0f) {
        a[o + i] = 0f;
      }
    }
  }

  /** delta[dOff + i] from y[yo + i], for i &lt; n. */
  static void backward(float[] y, int yo, float[] delta, int dOff, int n) {
    int i = 0;
    if (Kernels.VECTOR) {
      i = Vec.backward(y, yo, delta, dOff, n);
    }
    for (; i < n; i++) {
      if (y[yo + i] <= 0f) {
        delta[dOff + i] = 0f;
      }
    }
  }

  /** The Vector API loops; referenced only when {@link Kernels#VECTOR} is true. Return where the tail starts. */
  private static final class Vec {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** The vector class, asserted on the loads: see {@code Kernels.Vec.V}. */
    static final Class<? extends Vector<Float>> V = S.vectorType();

    static int forward(float[] a, int o, int n) {
      FloatVector zero = FloatVector.zero(S);
      int i = 0;
      for (int bound = S.loopBound(n); i < bound; i += S.length()) {
        FloatVector v = (FloatVector) V.cast(FloatVector.fromArray(S, a, o + i));
        v.blend(zero, v.compare(VectorOperators.LT, 0f)).intoArray(a, o + i);
      }
      return i;
    }

    static int backward(float[] y, int yo, float[] delta, int dOff, int n) {
      FloatVector zero = FloatVector.zero(S);
      int i = 0;
      for (int bound = S.loopBound(n); i < bound; i += S.length()) {
        FloatVector d = (FloatVector) V.cast(FloatVector.fromArray(S, delta, dOff + i));
        d.blend(zero, ((FloatVector) V.cast(FloatVector.fromArray(S, y, yo + i))).compare(VectorOperators.LE, 0f)).intoArray(delta, dOff + i);
      }
      return i;
    }
  }
}
