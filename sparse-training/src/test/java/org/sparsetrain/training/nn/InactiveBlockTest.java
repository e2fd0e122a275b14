package org.sparsetrain.training.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The inactive-position gradient of a row block against a double-precision dense reference, over
 * densities from empty to full rows and batches that hit the kernels' tiles and tails; its
 * positions are every {@code r·in + c} of the rows that holds no stored entry, ascending.
 */
class InactiveBlockTest {

  @ParameterizedTest(name = "{0}x{1} density {2} batch {3} rows {4}..{5}")
  @CsvSource({"50,40,0.1,16,0,40", "50,40,0.5,33,7,19", "50,40,0.0,64,0,40", "50,40,1.0,16,3,9",
      "33,70,0.3,128,60,70", "200,12,0.05,48,0,12", "17,9,0.9,1,2,3"})
  void matchesTheDenseGradientAtInactivePositions(int in, int out, double density, int batch, int r0, int r1) {
    long seed = in * 31L + out + batch;
    SparseLinear sp = Init.sparse(in, out, Init.nnzFor(density, in, out), seed, 0);
    float[] x = TestNets.gaussian(in * batch, seed + 1);
    float[] delta = TestNets.gaussian(out * batch, seed + 2);
    InactiveBlock block = InactiveBlock.of(sp.rowPtr(), sp.colIdx(), in, r0, r1);

    long[] pos = new long[(r1 - r0) * in];
    int n = 0;
    for (int r = r0; r < r1; r++) {
      java.util.Set<Integer> stored = new java.util.HashSet<>();
      for (int k = sp.rowPtr()[r]; k < sp.rowPtr()[r + 1]; k++) {
        stored.add(sp.colIdx()[k]);
      }
      for (int c = 0; c < in; c++) {
        if (!stored.contains(c)) {
          pos[n++] = (long) r * in + c;
        }
      }
    }
    assertEquals(n, block.count());
    assertArrayEquals(java.util.Arrays.copyOf(pos, n), block.positions());
    long[] direct = new long[n + 2];
    java.util.Arrays.fill(direct, -5);
    assertEquals(n, InactiveBlock.positions(sp.rowPtr(), sp.colIdx(), in, r0, r1, direct), "without building the block");
    assertArrayEquals(java.util.Arrays.copyOf(pos, n), java.util.Arrays.copyOf(direct, n));
    assertEquals(-5, direct[n], "nothing written past the count");

    float[] g = new float[n + 3];
    java.util.Arrays.fill(g, 7f);
    block.gradient(x, delta, batch, g);
    block.gradient(x, delta, batch, g); // not accumulated: the same values again
    for (int i = 0; i < n; i++) {
      int r = (int) (pos[i] / in);
      int c = (int) (pos[i] % in);
      double ref = 0;
      for (int b = 0; b < batch; b++) {
        ref += (double) delta[r * batch + b] * x[c * batch + b];
      }
      assertTrue(Math.abs(g[i] - ref) <= 1e-4 * (1 + Math.abs(ref)), "position " + pos[i] + ": " + g[i] + " vs " + ref);
    }
    assertEquals(7f, g[n], "nothing written past count()");
  }

  @ParameterizedTest(name = "{0}x{1} density {2} rows {3}..{4}")
  @CsvSource({"50,40,0.1,0,40", "1000,37,0.1,5,37", "33,70,0.3,60,70", "200,12,0.05,0,12", "17,9,0.9,2,3",
      "50,40,1.0,3,9"})
  void microBatchGradientsAreEachBitForBitTheSingleOne(int in, int out, double density, int r0, int r1) {
    long seed = in * 17L + out;
    SparseLinear sp = Init.sparse(in, out, Init.nnzFor(density, in, out), seed, 0);
    int[] batches = {1, 33, 16, 7};
    float[][] x = new float[batches.length][];
    float[][] delta = new float[batches.length][];
    for (int m = 0; m < batches.length; m++) {
      x[m] = TestNets.gaussian(in * batches[m], seed + 2 * m + 1);
      delta[m] = TestNets.gaussian(out * batches[m], seed + 2 * m + 2);
    }
    InactiveBlock block = InactiveBlock.of(sp.rowPtr(), sp.colIdx(), in, r0, r1);
    int n = block.count();
    float[][] got = new float[batches.length][n];
    int[][] seen = new int[batches.length][n];
    int[] next = new int[1];
    block.gradients(x, delta, batches, (g, at, count) -> {
      int m = next[0]++ % batches.length;
      for (int i = 0; i < count; i++) {
        got[m][at + i] = g[i];
        seen[m][at + i]++;
      }
    });
    InactiveBlock single = InactiveBlock.of(sp.rowPtr(), sp.colIdx(), in, r0, r1);
    for (int m = 0; m < batches.length; m++) {
      float[] want = new float[n];
      single.gradient(x[m], delta[m], batches[m], want);
      for (int i = 0; i < n; i++) {
        assertEquals(1, seen[m][i], "micro-batch " + m + " position " + i + " handed over once");
        assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[m][i]),
            "micro-batch " + m + " position " + i);
      }
    }
  }

  @Test
  void rejectsRowsOutsideTheLayer() {
    SparseLinear sp = Init.sparse(10, 5, 10, 1, 0);
    assertThrows(IllegalArgumentException.class, () -> InactiveBlock.of(sp.rowPtr(), sp.colIdx(), 10, 2, 6));
  }
}
