package org.sparsetrain.training.data;

import java.io.Serializable;
import java.util.Arrays;

/**
 * A compact block of rows as the trainers consume it: labels as {@code int[]} and features either
 * dense row-major ({@code float[rows * features]}) or CSR for sparse rows. Every row has a global
 * id: {@code firstRow + local index}; the batch sampler addresses rows by global id, so the same
 * global batch is drawn whatever the partitioning.
 */
public final class DataBlock implements Serializable {
  private static final long serialVersionUID = 1L;

  private final long firstRow;
  private final int rows;
  private final int features;
  private final float[] dense;
  private final int[] indptr;
  private final int[] indices;
  private final float[] data;
  private final int[] labels;

  private DataBlock(long firstRow, int rows, int features, float[] dense, int[] indptr, int[] indices, float[] data, int[] labels) {
    if (labels.length != rows) {
      throw new IllegalArgumentException("block has " + rows + " rows but " + labels.length + " labels");
    }
    this.firstRow = firstRow;
    this.rows = rows;
    this.features = features;
    this.dense = dense;
    this.indptr = indptr;
    this.indices = indices;
    this.data = data;
    this.labels = labels;
  }

  /** Dense rows, {@code x[r * features + f]}. */
  public static DataBlock dense(long firstRow, int features, float[] x, int[] labels) {
    if (x.length != (long) labels.length * features) {
      throw new IllegalArgumentException("dense block: " + x.length + " values for " + labels.length + " rows of " + features);
    }
    return new DataBlock(firstRow, labels.length, features, x, null, null, null, labels);
  }

  /** Sparse rows in CSR: row r's features are {@code indices[indptr[r] .. indptr[r+1])}. */
  public static DataBlock sparse(long firstRow, int features, int[] indptr, int[] indices, float[] data, int[] labels) {
    if (indptr.length != labels.length + 1 || indices.length != data.length || indptr[labels.length] != data.length) {
      throw new IllegalArgumentException("inconsistent CSR block");
    }
    return new DataBlock(firstRow, labels.length, features, null, indptr, indices, data, labels);
  }

  public long firstRow() { return firstRow; }
  public int rows() { return rows; }
  public int features() { return features; }
  public boolean isSparse() { return dense == null; }
  public int[] labels() { return labels; }
  public int label(int r) { return labels[r]; }

  /** Row-major dense features (null for a sparse block). */
  public float[] denseFeatures() { return dense; }

  /** Bytes held by the arrays of this block. */
  public long sizeInBytes() {
    long b = 4L * labels.length;
    if (dense != null) {
      b += 4L * dense.length;
    } else {
      b += 4L * (indptr.length + indices.length + data.length);
    }
    return b;
  }

  /**
   * Copies rows {@code localRows[from .. from+count)} into {@code x} feature-major
   * ({@code x[f * count + b]}) and their labels into {@code y[yOff + b]}.
   */
  public void gather(int[] localRows, int from, int count, float[] x, int[] y, int yOff) {
    if (dense != null) {
      for (int b = 0; b < count; b++) {
        int r = localRows[from + b];
        int base = r * features;
        for (int f = 0; f < features; f++) {
          x[f * count + b] = dense[base + f];
        }
        y[yOff + b] = labels[r];
      }
    } else {
      Arrays.fill(x, 0, features * count, 0f);
      for (int b = 0; b < count; b++) {
        int r = localRows[from + b];
        for (int k = indptr[r]; k < indptr[r + 1]; k++) {
          x[indices[k] * count + b] = data[k];
        }
        y[yOff + b] = labels[r];
      }
    }
  }

  /** The first {@code n} rows of this block (the block itself when it has no more). */
  public DataBlock head(int n) {
    if (n >= rows) {
      return this;
    }
    int[] y = Arrays.copyOf(labels, n);
    if (dense != null) {
      return dense(firstRow, features, Arrays.copyOf(dense, n * features), y);
    }
    int nnz = indptr[n];
    return sparse(firstRow, features, Arrays.copyOf(indptr, n + 1), Arrays.copyOf(indices, nnz), Arrays.copyOf(data, nnz), y);
  }

  /** Features of local row r as a dense array (for tests and small tools). */
  public float[] row(int r) {
    float[] out = new float[features];
    if (dense != null) {
      System.arraycopy(dense, r * features, out, 0, features);
    } else {
      for (int k = indptr[r]; k < indptr[r + 1]; k++) {
        out[indices[k]] = data[k];
      }
    }
    return out;
  }
}
