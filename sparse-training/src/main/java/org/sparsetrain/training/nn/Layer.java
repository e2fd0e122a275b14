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
  void forward(float[] x, int batch, float[] y);

  /**
   * Accumulates {@code gW[gwOff + k] += Σ_b delta[row(k), b]·x[col(k), b]} and {@code gB[gbOff + r] += Σ_b delta[r, b]};
   * when {@code dx != null} also accumulates {@code dx += Wᵀ delta}.
   */
  void backward(float[] x, float[] delta, int batch, float[] gW, int gwOff, float[] gB, int gbOff, float[] dx);

  /** A copy with its own arrays. */
  Layer copy();

  /** Density nnz / (in·out). */
  default double density() {
    return nnz() / ((double) inFeatures() * outFeatures());
  }
}
