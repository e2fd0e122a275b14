package org.sparsetrain.bench.kernels;

import org.sparsetrain.training.nn.Alignment;

/**
 * Benchmark data held from a cache line of a padded array, as {@code Network}'s workspace holds a
 * layer's activations and deltas (each pass writes them where the array is aligned then). When a
 * GC moves the array, {@link #off} moves the data to the new aligned place, as the next pass's
 * write would.
 */
final class Lined {
  final float[] a;
  private final int n;
  private int off;

  Lined(float[] data) {
    n = data.length;
    a = new float[n + Alignment.LINE_FLOATS];
    off = Alignment.offset(a);
    System.arraycopy(data, 0, a, off, n);
  }

  Lined(int n) {
    this(new float[n]);
  }

  /** Where the data starts, on a cache line. */
  int off() {
    int o = Alignment.offset(a);
    if (o != off) {
      System.arraycopy(a, off, a, o, n);
      off = o;
    }
    return off;
  }
}
