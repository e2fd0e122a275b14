package org.sparsetrain.training.nn;

import java.util.Arrays;

/**
 * The inactive positions of rows [r0, r1) of a sparse layer (row-major, columns ascending — the
 * order of {@link SparseLinear#inactivePositions}) as a structure of their own, so that the dense
 * gradient at exactly those positions, {@code Σ_b delta[r, b]·x[c, b]}, is one pass of the layer's
 * weight-gradient kernels: no dense row block is formed and scanned, and the active positions cost
 * nothing. What RigL's growth reads, on one JVM and in every Spark task alike (so the distributed
 * trainers' sums of it stay exact).
 */
public final class InactiveBlock {
  private final int in;
  private final int r0;
  private final int r1;
  /** Rows 0..r1 (rows before r0 empty), pointing into {@link #cols}. */
  private final int[] rowPtr;
  private final int[] cols;
  private final float[] biasScratch;

  private InactiveBlock(int in, int r0, int r1, int[] rowPtr, int[] cols) {
    this.in = in;
    this.r0 = r0;
    this.r1 = r1;
    this.rowPtr = rowPtr;
    this.cols = cols;
    this.biasScratch = new float[r1];
  }

  /** The block of rows [r0, r1) of the CSR structure (rowPtr, colIdx) of a layer with {@code in} inputs. */
  public static InactiveBlock of(int[] rowPtr, int[] colIdx, int in, int r0, int r1) {
    if (r0 < 0 || r1 < r0 || r1 + 1 > rowPtr.length) {
      throw new IllegalArgumentException("rows [" + r0 + ", " + r1 + ") outside a layer of " + (rowPtr.length - 1) + " rows");
    }
    long count = (long) (r1 - r0) * in - (rowPtr[r1] - rowPtr[r0]);
    if (count > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("row block of " + count + " inactive positions is too large");
    }
    int[] rp = new int[r1 + 1];
    int[] cols = new int[(int) count];
    int n = 0;
    for (int r = r0; r < r1; r++) {
      int k = rowPtr[r];
      for (int c = 0; c < in; c++) {
        if (k < rowPtr[r + 1] && colIdx[k] == c) {
          k++;
          continue;
        }
        cols[n++] = c;
      }
      rp[r + 1] = n;
    }
    return new InactiveBlock(in, r0, r1, rp, cols);
  }

  /** Number of inactive positions in the block. */
  public int count() {
    return cols.length;
  }

  /** The positions {@code r·in + c}, ascending. */
  public long[] positions() {
    long[] pos = new long[cols.length];
    for (int r = r0; r < r1; r++) {
      for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
        pos[k] = (long) r * in + cols[k];
      }
    }
    return pos;
  }

  /**
   * {@code out[i] = Σ_b delta[r_i, b]·x[c_i, b]} for the block's positions i (out holds at least
   * {@link #count()} floats), from a layer's input x (in × batch) and output delta (out × batch).
   */
  public void gradient(float[] x, float[] delta, int batch, float[] out) {
    Arrays.fill(out, 0, cols.length, 0f);
    Kernels.weightGradient(in, r1, rowPtr, cols, x, delta, batch, out, 0, biasScratch, 0);
  }
}
