package org.sparsetrain.training.spark;

/**
 * A mask-update step's global batch as gradient-based growth needs it: the step's micro-batches
 * (one per virtual shard with rows in the batch), each with its rows' batch positions and, for each
 * layer whose dense gradient is asked for, the layer's input (in × n) and output gradient (out × n).
 * Collected from the step's tasks and broadcast to the row-block tasks, which form each
 * micro-batch's dense gradient at the block's inactive positions and add them in fixed point: the
 * same exact sums, bit for bit, as when every partition computed its own micro-batches (so the
 * driver and sharded modes still agree), with O(B·(in + out)) floats on the wire instead of
 * O(in·out) per partition.
 */
final class BatchActivations implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  Parts.Rows[] rows;

  private BatchActivations() {}

  /** The micro-batches of a step; they must cover batch positions [0, batch) exactly once. */
  static BatchActivations of(Parts.Rows[] rows, int batch) {
    boolean[] seen = new boolean[batch];
    int covered = 0;
    for (Parts.Rows r : rows == null ? new Parts.Rows[0] : rows) {
      for (int b : r.positions) {
        if (b < 0 || b >= batch || seen[b]) {
          throw new IllegalStateException("batch position " + b + " is outside [0, " + batch + ") or came twice");
        }
        seen[b] = true;
        covered++;
      }
    }
    if (covered != batch) {
      throw new IllegalStateException("the micro-batches covered " + covered + " of " + batch + " rows of the batch");
    }
    BatchActivations a = new BatchActivations();
    a.rows = rows;
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

  long bytes() {
    long b = 16;
    for (Parts.Rows r : rows) {
      b += 4L * r.positions.length;
      for (int l = 0; l < r.inputs.length; l++) {
        if (r.inputs[l] != null) {
          b += 4L * (r.inputs[l].length + r.deltas[l].length);
        }
      }
    }
    return b;
  }
}
