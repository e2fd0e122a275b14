package org.sparsetrain.training.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InitTest {

  @ParameterizedTest
  @CsvSource({"10,7,0", "10,7,1", "10,7,35", "10,7,69", "10,7,70", "784,300,23520", "1,1,1", "300,100,2302"})
  void exactNnzDistinctSortedPositions(int in, int out, int nnz) {
    SparseLinear l = Init.sparse(in, out, nnz, 42, 3);
    assertEquals(nnz, l.nnz());
    assertEquals(nnz, l.values().length);
    long[] pos = l.positions();
    for (int k = 1; k < pos.length; k++) {
      assertTrue(pos[k - 1] < pos[k], "positions strictly ascending (distinct, CSR order) at " + k);
    }
    for (long p : pos) {
      assertTrue(p >= 0 && p < (long) in * out);
    }
    assertArrayEquals(new float[out], l.bias(), "bias starts at zero");
  }

  @Test
  void deterministicPerSeedAndLayer() {
    SparseLinear a = Init.sparse(50, 40, 300, 7, 1);
    SparseLinear b = Init.sparse(50, 40, 300, 7, 1);
    assertArrayEquals(a.colIdx(), b.colIdx());
    assertArrayEquals(a.rowPtr(), b.rowPtr());
    assertArrayEquals(a.values(), b.values());
    SparseLinear otherSeed = Init.sparse(50, 40, 300, 8, 1);
    SparseLinear otherLayer = Init.sparse(50, 40, 300, 7, 2);
    assertFalse(Arrays.equals(a.positions(), otherSeed.positions()));
    assertFalse(Arrays.equals(a.positions(), otherLayer.positions()));
    assertFalse(Arrays.equals(a.values(), otherSeed.values()));
    assertArrayEquals(Init.dense(5, 4, 9, 0).values(), Init.dense(5, 4, 9, 0).values());
  }

  @Test
  void positionsSpreadOverRows() {
    // 2000 x 50 at density 0.25: each row's count is hypergeometric, mean 500, sd ≈ 19
    SparseLinear l = Init.sparse(2000, 50, 25000, 3, 0);
    for (int r = 0; r < 50; r++) {
      int c = l.rowPtr()[r + 1] - l.rowPtr()[r];
      assertTrue(c > 400 && c < 600, "row " + r + " has " + c + " of ~500");
    }
  }

  @Test
  void heVarianceOnActiveFanIn() {
    // Per-row sample variance of N(0, 2/fan) has relative sd √(2/fan) ≈ 6 % at fan ≈ 500: allow 30 % per
    // row (5 sd) and 4 % over all 25 000 weights (≈ 4.5 sd).
    SparseLinear l = Init.sparse(2000, 50, 25000, 5, 0);
    double pooled = 0;
    for (int r = 0; r < 50; r++) {
      int s = l.rowPtr()[r];
      int e = l.rowPtr()[r + 1];
      int fan = e - s;
      double sum = 0;
      double sq = 0;
      for (int k = s; k < e; k++) {
        sum += l.values()[k];
        sq += (double) l.values()[k] * l.values()[k];
      }
      double mean = sum / fan;
      double var = sq / fan - mean * mean;
      double ratio = var / (2.0 / fan);
      assertEquals(1.0, ratio, 0.3, "row " + r + " variance / (2/fan_in)");
      assertEquals(0.0, mean, 5 * Math.sqrt(2.0 / fan / fan), "row " + r + " mean");
      pooled += sq * fan / 2.0;
    }
    assertEquals(1.0, pooled / 25000, 0.04);
    // a dense layer uses fan_in = in
    DenseLinear d = Init.dense(800, 40, 5, 1);
    double sq = 0;
    for (float v : d.values()) {
      sq += (double) v * v;
    }
    assertEquals(2.0 / 800, sq / d.values().length, 0.04 * 2.0 / 800);
  }

  @Test
  void nnzForAndBadArguments() {
    assertEquals(23520, Init.nnzFor(0.1, 784, 300));
    assertEquals(0, Init.nnzFor(0, 5, 5));
    assertEquals(25, Init.nnzFor(1, 5, 5));
    assertEquals(8, Init.nnzFor(0.33, 5, 5));   // 8.25 rounds to 8
    assertThrows(IllegalArgumentException.class, () -> Init.nnzFor(1.5, 5, 5));
    assertThrows(IllegalArgumentException.class, () -> Init.nnzFor(Double.NaN, 5, 5));
    assertThrows(IllegalArgumentException.class, () -> Init.sparse(5, 5, 26, 1, 0));
    assertThrows(IllegalArgumentException.class, () -> Init.sparse(5, 5, -1, 1, 0));
  }
}
