package org.sparsetrain.training.spark;

/**
 * A mask-update step's global batch as gradient-based growth needs it: for each layer whose dense
 * gradient is asked for, the layer's input x (in × B) and output gradient δ (out × B) of every row
 * of the batch, feature-major, in batch order (null for the other layers). Assembled on the driver
 * from the step's micro-batches and broadcast to the row-block tasks, so the dense gradient at a
 * position, {@code Σ_b δ[r, b]·x[c, b]}, is one float sum over b = 0 … B-1: the sum the
 * {@link org.sparsetrain.training.LocalTrainer} forms, whatever the partition count, and O(B·(in +
 * out)) floats on the wire instead of O(in·out) per task.
 */
final class BatchActivations implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  int batch;
  float[][] inputs;
  float[][] deltas;

  private BatchActivations() {}

  /**
   * Places every row of {@code rows} at its batch position; the rows must cover positions
   * [0, batch) exactly once, with the layers {@code wanted} (sizes: in of layer l = sizes[l], out =
   * sizes[l + 1]).
   */
  static BatchActivations of(Parts.Rows[] rows, int batch, int[] sizes, boolean[] wanted) {
    BatchActivations a = new BatchActivations();
    a.batch = batch;
    int layers = wanted.length;
    a.inputs = new float[layers][];
    a.deltas = new float[layers][];
    for (int l = 0; l < layers; l++) {
      if (wanted[l]) {
        a.inputs[l] = new float[sizes[l] * batch];
        a.deltas[l] = new float[sizes[l + 1] * batch];
      }
    }
    boolean[] seen = new boolean[batch];
    int covered = 0;
    for (Parts.Rows r : rows == null ? new Parts.Rows[0] : rows) {
      int n = r.positions.length;
      for (int j = 0; j < n; j++) {
        int b = r.positions[j];
        if (b < 0 || b >= batch || seen[b]) {
          throw new IllegalStateException("batch position " + b + " is outside [0, " + batch + ") or came twice");
        }
        seen[b] = true;
        covered++;
      }
      for (int l = 0; l < layers; l++) {
        if (wanted[l]) {
          scatter(r.inputs[l], sizes[l], n, r.positions, a.inputs[l], batch);
          scatter(r.deltas[l], sizes[l + 1], n, r.positions, a.deltas[l], batch);
        }
      }
    }
    if (covered != batch) {
      throw new IllegalStateException("the micro-batches covered " + covered + " of " + batch + " rows of the batch");
    }
    return a;
  }

  /** Copies the first {@code n} lanes of each of the {@code features} rows of src (stride {@code stride}) into a dense features × n array. */
  static float[] lanes(float[] src, int features, int stride, int n) {
    float[] out = new float[features * n];
    for (int f = 0; f < features; f++) {
      System.arraycopy(src, f * stride, out, f * n, n);
    }
    return out;
  }

  private static void scatter(float[] src, int features, int n, int[] positions, float[] dst, int batch) {
    for (int f = 0; f < features; f++) {
      int s = f * n;
      int d = f * batch;
      for (int j = 0; j < n; j++) {
        dst[d + positions[j]] = src[s + j];
      }
    }
  }

  long bytes() {
    long b = 16;
    for (int l = 0; l < inputs.length; l++) {
      if (inputs[l] != null) {
        b += 4L * (inputs[l].length + deltas[l].length);
      }
    }
    return b;
  }
}
