package org.sparsetrain.training.nn;

/**
 * A linear layer {@code y = W x + b} with W of shape out × in. Activations are stored
 * feature-major: {@code x[f * batch + b]}, so the inner loops run over a contiguous batch.
 * Weight gradients are aligned with {@link #values()}: a sparse layer never produces a dense
 * out × in gradient (RigL's growth reads the inactive positions' gradient through {@link InactiveBlock}).
 */
public interface Layer {
  int inFeatures();

  int outFeatures();

  /** Number of stored weights (non-zeros for a sparse layer, in·out for a dense one). */
  int nnz();

  /** Stored weights; the optimizer updates them in place. */
  float[] values();

  /** The bias, never masked. */
  float[] bias();

  /** Whether this layer is stored as CSR. */
  boolean isSparse();

  /** Row pointers of the structure (length out+1). Dense layers return the full structure lazily. */
  int[] rowPtr();

  /** Column indices of the structure (length nnz), sorted within each row. */
  int[] colIdx();

  /** y (out·batch) = W x + b. */
  default void forward(float[] x, int batch, float[] y) {
    forward(x, 0, batch, y, 0);
  }

  /**
   * y = W x + b on activations held from an offset: {@code x[xo + c·batch + b]}, {@code y[yo + r·batch + b]}.
   * The kernels stream a row of x per non-zero: rows that start on a cache line are read about a
   * third faster ({@link Alignment}).
   */
  void forward(float[] x, int xo, int batch, float[] y, int yo);

  /**
   * Accumulates {@code gW[gwOff + k] += Σ_b delta[row(k), b]·x[col(k), b]} and {@code gB[gbOff + r] += Σ_b delta[r, b]};
   * when {@code dx != null} also accumulates {@code dx += Wᵀ delta}.
   */
  default void backward(float[] x, float[] delta, int batch, float[] gW, int gwOff, float[] gB, int gbOff, float[] dx) {
    backward(x, 0, delta, 0, batch, gW, gwOff, gB, gbOff, dx, 0);
  }

  /** {@link #backward(float[], float[], int, float[], int, float[], int, float[])} on activations and deltas held from offsets. */
  void backward(float[] x, int xo, float[] delta, int dOff, int batch, float[] gW, int gwOff, float[] gB, int gbOff,
                float[] dx, int dxo);

  /** A copy with its own arrays. */
  Layer copy();

  /** Density nnz / (in·out). */
  default double density() {
    return nnz() / ((double) inFeatures() * outFeatures());
  }
}
