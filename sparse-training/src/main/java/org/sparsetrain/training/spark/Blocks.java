package org.sparsetrain.training.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sparsetrain.training.data.DataBlock;

/** Slicing and joining {@link DataBlock}s through their public API (used once, when sharding). */
final class Blocks {
  private Blocks() {}

  /** Rows [from, from + count) of {@code b}; their global ids are unchanged. */
  static DataBlock slice(DataBlock b, int from, int count) {
    int f = b.features();
    int[] y = Arrays.copyOfRange(b.labels(), from, from + count);
    if (!b.isSparse()) {
      return DataBlock.dense(b.firstRow() + from, f, Arrays.copyOfRange(b.denseFeatures(), from * f, (from + count) * f), y);
    }
    List<DataBlock> one = new ArrayList<>();
    one.add(b);
    return sparseRows(one, from, count, b.firstRow() + from, y);
  }

  /** Blocks whose global ids follow each other (sorted), joined into one; sparse if any input is sparse. */
  static DataBlock concat(List<DataBlock> parts) {
    if (parts.size() == 1) {
      return parts.get(0);
    }
    int f = parts.get(0).features();
    int rows = 0;
    boolean sparse = false;
    for (DataBlock p : parts) {
      rows += p.rows();
      sparse |= p.isSparse();
    }
    int[] y = new int[rows];
    int o = 0;
    for (DataBlock p : parts) {
      System.arraycopy(p.labels(), 0, y, o, p.rows());
      o += p.rows();
    }
    long first = parts.get(0).firstRow();
    if (!sparse) {
      float[] x = new float[rows * f];
      int xo = 0;
      for (DataBlock p : parts) {
        System.arraycopy(p.denseFeatures(), 0, x, xo, p.rows() * f);
        xo += p.rows() * f;
      }
      return DataBlock.dense(first, f, x, y);
    }
    return sparseRows(parts, 0, rows, first, y);
  }

  /** Rows [from, from+count) of the concatenation of {@code parts} as a CSR block. */
  private static DataBlock sparseRows(List<DataBlock> parts, int from, int count, long first, int[] y) {
    int[] indptr = new int[count + 1];
    int[] idx = new int[16];
    float[] val = new float[16];
    int nnz = 0;
    int r = 0;
    int skip = from;
    for (DataBlock p : parts) {
      for (int i = 0; i < p.rows() && r < count; i++) {
        if (skip > 0) {
          skip--;
          continue;
        }
        float[] row = p.row(i);
        for (int c = 0; c < row.length; c++) {
          if (row[c] != 0f) {
            if (nnz == idx.length) {
              idx = Arrays.copyOf(idx, nnz * 2);
              val = Arrays.copyOf(val, nnz * 2);
            }
            idx[nnz] = c;
            val[nnz++] = row[c];
          }
        }
        indptr[++r] = nnz;
      }
    }
    return DataBlock.sparse(first, parts.get(0).features(), indptr, Arrays.copyOf(idx, nnz), Arrays.copyOf(val, nnz), y);
  }
}
