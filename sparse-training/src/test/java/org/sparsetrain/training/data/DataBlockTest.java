package org.sparsetrain.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DataBlockTest {
  // 4 rows x 3 features
  private static final float[] DENSE = {
      1, 0, 2,
      0, 0, 0,
      0, 3, 0,
      4, 5, 6};
  private static final int[] LABELS = {7, 8, 9, 6};

  private static DataBlock sparse() {
    return DataBlock.sparse(100, 3, new int[] {0, 2, 2, 3, 6}, new int[] {0, 2, 1, 0, 1, 2},
        new float[] {1, 2, 3, 4, 5, 6}, LABELS);
  }

  @Test
  void denseGatherIsFeatureMajor() {
    DataBlock b = DataBlock.dense(100, 3, DENSE, LABELS);
    assertEquals(false, b.isSparse());
    float[] x = new float[9];
    Arrays.fill(x, -1);
    int[] y = new int[5];
    // rows 3, 0, 2 from position 1 of the list; labels at offset 2
    b.gather(new int[] {1, 3, 0, 2}, 1, 3, x, y, 2);
    assertArrayEquals(new float[] {
        4, 1, 0,   // feature 0 of rows 3, 0, 2
        5, 0, 3,   // feature 1
        6, 2, 0},  // feature 2
        x);
    assertArrayEquals(new int[] {0, 0, 6, 7, 9}, y);
  }

  @Test
  void sparseGatherEqualsDenseAndClearsStaleValues() {
    DataBlock d = DataBlock.dense(100, 3, DENSE, LABELS);
    DataBlock s = sparse();
    assertEquals(true, s.isSparse());
    int[] rows = {2, 1, 3, 0, 3};
    float[] xd = new float[15];
    float[] xs = new float[15];
    Arrays.fill(xs, 42f);   // stale content must not leak into a sparse gather
    int[] yd = new int[5];
    int[] ys = new int[5];
    d.gather(rows, 0, 5, xd, yd, 0);
    s.gather(rows, 0, 5, xs, ys, 0);
    assertArrayEquals(xd, xs);
    assertArrayEquals(yd, ys);
    assertArrayEquals(new int[] {9, 8, 6, 7, 6}, ys);
    for (int r = 0; r < 4; r++) {
      assertArrayEquals(d.row(r), s.row(r));
    }
    assertArrayEquals(new float[] {4, 5, 6}, s.row(3));
    assertEquals(100, s.firstRow());
    assertEquals(4, s.rows());
  }

  @Test
  void inconsistentBlocksThrow() {
    assertThrows(IllegalArgumentException.class, () -> DataBlock.dense(0, 3, new float[11], LABELS));
    assertThrows(IllegalArgumentException.class,
        () -> DataBlock.sparse(0, 3, new int[] {0, 2, 2, 3}, new int[] {0, 2, 1}, new float[] {1, 2, 3}, LABELS));
    assertThrows(IllegalArgumentException.class,
        () -> DataBlock.sparse(0, 3, new int[] {0, 2, 2, 3, 5}, new int[] {0, 2, 1, 0, 1, 2},
            new float[] {1, 2, 3, 4, 5, 6}, LABELS));
  }
}
