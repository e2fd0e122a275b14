package org.sparsetrain.jobs.soup;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.sparsetrain.training.data.DataBlock;

/** The deterministic validation split of the soup job, and block slicing. */
final class SoupData {
  private SoupData() {}

  /** Training rows (global ids 0..n−1, data set order kept) and validation rows of one training block. */
  record Split(DataBlock train, DataBlock validation) {}

  /**
   * Holds out {@code round(fraction · rows)} rows of {@code block} for validation, chosen by a
   * permutation seeded with {@code seed} ({@link Random} is specified, so every JVM picks the
   * same rows); both parts keep data set order.
   */
  static Split split(DataBlock block, double fraction, long seed) {
    int n = block.rows();
    int v = (int) Math.round(fraction * n);
    if (v < 1 || v >= n) {
      throw new IllegalArgumentException("soup.validation_fraction " + fraction + " of " + n + " training rows leaves "
          + v + " validation and " + (n - v) + " training rows; both must be at least 1");
    }
    List<Integer> idx = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      idx.add(i);
    }
    Collections.shuffle(idx, new Random(seed));
    boolean[] val = new boolean[n];
    for (int i = 0; i < v; i++) {
      val[idx.get(i)] = true;
    }
    int[] trainRows = new int[n - v];
    int[] valRows = new int[v];
    int t = 0;
    int w = 0;
    for (int i = 0; i < n; i++) {
      if (val[i]) {
        valRows[w++] = i;
      } else {
        trainRows[t++] = i;
      }
    }
    return new Split(rows(block, trainRows, 0), rows(block, valRows, 0));
  }

  /** Rows [from, to) of {@code block} as a dense block whose first global id is {@code firstRow}. */
  static DataBlock slice(DataBlock block, int from, int to, long firstRow) {
    int[] r = new int[to - from];
    for (int i = 0; i < r.length; i++) {
      r[i] = from + i;
    }
    return rows(block, r, firstRow);
  }

  static DataBlock rows(DataBlock block, int[] rows, long firstRow) {
    int f = block.features();
    float[] x = new float[rows.length * f];
    int[] y = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(block.row(rows[i]), 0, x, i * f, f);
      y[i] = block.label(rows[i]);
    }
    return DataBlock.dense(firstRow, f, x, y);
  }
}
