package org.sparsetrain.training.nn;

import java.util.Objects;

/**
 * A sparse linear layer in CSR form: row r (an output neuron) holds the columns
 * {@code colIdx[rowPtr[r] .. rowPtr[r+1])}, sorted ascending, with weights {@code values} at the same
 * indices. The structure is replaced as a whole by {@link #setStructure}, which the mask-update
 * code calls; {@link #structureVersion()} counts those replacements.
 */
public final class SparseLinear implements Layer {
  private final int in;
  private final int out;
  private int[] rowPtr;
  private int[] colIdx;
  private float[] values;
  private final float[] bias;
  private long structureVersion;
  private volatile Transpose transpose;
  private volatile PlanFor plan;

  public SparseLinear(int in, int out, int[] rowPtr, int[] colIdx, float[] values, float[] bias) {
    if (in <= 0 || out <= 0) {
      throw new IllegalArgumentException("layer size must be positive, got " + in + "x" + out);
    }
    this.in = in;
    this.out = out;
    this.bias = Objects.requireNonNull(bias, "bias");
    if (bias.length != out) {
      throw new IllegalArgumentException("bias length " + bias.length + " != out " + out);
    }
    setStructure(rowPtr, colIdx, values);
    this.structureVersion = 0;
  }

  /** An empty-structure layer of the given size (no non-zeros, zero bias). */
  public static SparseLinear empty(int in, int out) {
    return new SparseLinear(in, out, new int[out + 1], new int[0], new float[0], new float[out]);
  }

  /** A full mask holding the given dense row-major weights. */
  public static SparseLinear fromDense(int in, int out, float[] dense, float[] bias) {
    int[] rp = new int[out + 1];
    int[] ci = new int[in * out];
    for (int r = 0; r < out; r++) {
      rp[r + 1] = (r + 1) * in;
      for (int c = 0; c < in; c++) {
        ci[r * in + c] = c;
      }
    }
    return new SparseLinear(in, out, rp, ci, dense.clone(), bias.clone());
  }

  /** Replaces structure and values together (values aligned with colIdx); validates the CSR. */
  public void setStructure(int[] rowPtr, int[] colIdx, float[] values) {
    if (rowPtr.length != out + 1 || rowPtr[0] != 0 || rowPtr[out] != colIdx.length || values.length != colIdx.length) {
      throw new IllegalArgumentException("inconsistent CSR: rowPtr " + rowPtr.length + " (out+1=" + (out + 1)
          + "), nnz " + colIdx.length + ", values " + values.length);
    }
    for (int r = 0; r < out; r++) {
      if (rowPtr[r + 1] < rowPtr[r]) {
        throw new IllegalArgumentException("rowPtr decreases at row " + r);
      }
      for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
        int c = colIdx[k];
        if (c < 0 || c >= in || (k > rowPtr[r] && colIdx[k - 1] >= c)) {
          throw new IllegalArgumentException("column indices of row " + r + " not sorted/in range at " + k);
        }
      }
    }
    this.rowPtr = rowPtr;
    this.colIdx = colIdx;
    this.values = values;
    structureVersion++;
  }

  @Override public int inFeatures() { return in; }
  @Override public int outFeatures() { return out; }
  @Override public int nnz() { return colIdx.length; }
  @Override public float[] values() { return values; }
  @Override public float[] bias() { return bias; }
  @Override public boolean isSparse() { return true; }
  @Override public int[] rowPtr() { return rowPtr; }
  @Override public int[] colIdx() { return colIdx; }

  public long structureVersion() {
    return structureVersion;
  }

  /** Position index {@code row * in + col} of stored weight k, in CSR order (ascending). */
  public long[] positions() {
    long[] p = new long[colIdx.length];
    for (int r = 0; r < out; r++) {
      for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
        p[k] = (long) r * in + colIdx[k];
      }
    }
    return p;
  }

  @Override
  public void forward(float[] x, int xo, int batch, float[] y, int yo) {
    Kernels.forward(in, out, rowPtr, colIdx, values, bias, x, xo, batch, y, yo, Kernels.blocked(batch) ? plan() : null);
  }

  @Override
  public void backward(float[] x, int xo, float[] delta, int dOff, int batch, float[] gW, int gwOff, float[] gB, int gbOff,
                       float[] dx, int dxo) {
    if (dx != null && Kernels.fusedBackward(batch)) {
      Kernels.backward(in, out, values, x, xo, delta, dOff, batch, gW, gwOff, gB, gbOff, dx, dxo, plan());
      return;
    }
    Kernels.weightGradient(in, out, rowPtr, colIdx, x, xo, delta, dOff, batch, gW, gwOff, gB, gbOff);
    if (dx != null) {
      Transpose t = transpose();
      Kernels.inputGradient(in, out, t.colPtr, t.rows, t.ks, values, delta, dOff, batch, dx, dxo);
    }
  }

  /**
   * The structure by column (CSC) as indices into the CSR arrays, for the input gradient: column c
   * holds entries j in [colPtr[c], colPtr[c+1]) of row rows[j] and value index ks[j], rows
   * ascending. Built in O(nnz + in) the first time it is needed after a structure change and
   * cached; it holds no values, so optimizer updates do not invalidate it. Immutable and published
   * through a volatile field: layers shared by several task threads may race to build it, harmlessly.
   */
  private Transpose transpose() {
    Transpose t = transpose;
    if (t == null || t.forColIdx != colIdx) {
      t = new Transpose(in, rowPtr, colIdx);
      transpose = t;
    }
    return t;
  }

  /**
   * The cache-blocked views of the structure for the kernels on full batch tiles, built the first
   * time they are needed after a structure change (O(nnz + blocks·(in+out))) and cached like the
   * transpose: they hold no values.
   */
  private Kernels.Plan plan() {
    PlanFor p = plan;
    if (p == null || p.colIdx != colIdx) {
      p = new PlanFor(colIdx, Kernels.Plan.sparse(in, out, rowPtr, colIdx));
      plan = p;
    }
    return p.plan;
  }

  private record PlanFor(int[] colIdx, Kernels.Plan plan) {}

  private static final class Transpose {
    final int[] forColIdx;
    final int[] colPtr;
    final int[] rows;
    final int[] ks;

    Transpose(int in, int[] rowPtr, int[] colIdx) {
      forColIdx = colIdx;
      int nnz = colIdx.length;
      colPtr = new int[in + 1];
      for (int k = 0; k < nnz; k++) {
        colPtr[colIdx[k] + 1]++;
      }
      for (int c = 0; c < in; c++) {
        colPtr[c + 1] += colPtr[c];
      }
      int[] next = java.util.Arrays.copyOf(colPtr, in);
      rows = new int[nnz];
      ks = new int[nnz];
      for (int r = 0; r + 1 < rowPtr.length; r++) {
        for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
          int j = next[colIdx[k]]++;
          rows[j] = r;
          ks[j] = k;
        }
      }
    }
  }

  @Override
  public SparseLinear copy() {
    SparseLinear c = new SparseLinear(in, out, rowPtr.clone(), colIdx.clone(), values.clone(), bias.clone());
    c.structureVersion = structureVersion;
    return c;
  }

  /** Dense row-major copy of the weights (zeros where inactive); for export and tests. */
  public float[] toDense() {
    float[] d = new float[in * out];
    for (int r = 0; r < out; r++) {
      for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
        d[r * in + colIdx[k]] = values[k];
      }
    }
    return d;
  }
}
