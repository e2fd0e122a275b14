package org.sparsetrain.training.nn;

/**
 * A linear layer {@code y = W x + b} with W of shape out × in. Activations are stored
 * feature-major: {@code x[f * batch + b]}, so the inner loops run over a contiguous batch.
 * Weight gradients are aligned with {@link #values()}: a sparse layer never produces a dense
 * out × in gradient (see {@link SparseLinear#denseGradientRows} for the one exception).
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

  /**
   * Dense gradient of rows [r0, r1): {@code out[(r - r0) * in + c] = Σ_b delta[r, b]·x[c, b]}, for
   * growth criteria that score inactive connections. Callers walk a layer in row blocks so no
   * single array holds the whole dense gradient.
   */
  static void denseGradientRows(float[] x, float[] delta, int batch, int in, int r0, int r1, float[] out) {
    for (int r = r0; r < r1; r++) {
      int dOff = r * batch;
      int o = (r - r0) * in;
      for (int c = 0; c < in; c++) {
        out[o + c] = Kernels.dot(delta, dOff, x, c * batch, batch);
      }
    }
  }
}
