package org.sparsetrain.training.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Sparse and dense layers against a plain double-precision reference, over batch sizes that hit
 * every tile and tail of the kernels (1, below one vector, odd, multiples of 16/64, above 128; tiles of
 * 8, 4, 2 and 1 vectors, blocked and fused) and
 * densities from empty rows to full. Float32 sums of ≤ 150 O(1) products: error ≲ 1e-5, so the
 * tolerance is 1e-4·(1 + |ref|).
 */
class KernelReferenceTest {

  @ParameterizedTest(name = "{0}x{1} density {2} batch {3}")
  @CsvSource({
      "50,40,0.0,16", "50,40,0.02,1", "50,40,0.1,3", "50,40,0.3,15", "50,40,0.3,16", "50,40,0.3,17",
      "50,40,0.5,31", "50,40,0.5,64", "50,40,0.5,65", "50,40,0.7,100", "50,40,1.0,128", "50,40,0.2,129",
      "150,30,0.1,200", "9,70,0.9,48", "33,2,0.4,80", "60,60,0.05,144",
      // tiles of 4 vectors: alone (64), fused with blocks both ways (64, 192), plus 1 (80), plus 2 + 1 (112)
      "100,30,0.4,80", "300,260,0.1,64", "300,140,0.1,192", "200,30,0.3,112", "40,50,0.6,64"})
  void sparseAndDenseMatchReference(int in, int out, double density, int batch) {
    long seed = in * 1000L + out + batch;
    SparseLinear sp = Init.sparse(in, out, Init.nnzFor(density, in, out), seed, 0);
    float[] bias = TestNets.gaussian(out, seed + 1);
    System.arraycopy(bias, 0, sp.bias(), 0, out);
    DenseLinear de = new DenseLinear(in, out, sp.toDense(), bias.clone());
    float[] x = TestNets.gaussian(in * batch, seed + 2);
    float[] delta = TestNets.gaussian(out * batch, seed + 3);
    float[] dx0 = TestNets.gaussian(in * batch, seed + 4);

    double[] yRef = new double[out * batch];
    double[] gwRef = new double[in * out];     // dense, row-major
    double[] gbRef = new double[out];
    double[] dxRef = new double[in * batch];
    float[] wd = sp.toDense();
    for (int i = 0; i < in * batch; i++) {
      dxRef[i] = dx0[i];
    }
    for (int r = 0; r < out; r++) {
      for (int b = 0; b < batch; b++) {
        double acc = bias[r];
        for (int c = 0; c < in; c++) {
          acc += (double) wd[r * in + c] * x[c * batch + b];
          dxRef[c * batch + b] += (double) wd[r * in + c] * delta[r * batch + b];
        }
        yRef[r * batch + b] = acc;
        gbRef[r] += delta[r * batch + b];
      }
      for (int c = 0; c < in; c++) {
        double acc = 0;
        for (int b = 0; b < batch; b++) {
          acc += (double) delta[r * batch + b] * x[c * batch + b];
        }
        gwRef[r * in + c] = acc;
      }
    }

    for (Layer layer : new Layer[] {sp, de}) {
      String name = layer.isSparse() ? "sparse" : "dense";
      float[] y = new float[out * batch + 5];
      java.util.Arrays.fill(y, Float.NaN);   // forward must overwrite, not accumulate
      layer.forward(x, batch, y);
      for (int i = 0; i < out * batch; i++) {
        assertEquals(yRef[i], y[i], 1e-4 * (1 + Math.abs(yRef[i])), name + " forward " + i);
      }
      assertTrue(Float.isNaN(y[out * batch]), name + " forward writes only out·batch values");

      float[] gw = new float[layer.nnz() + 1];
      gw[0] = 0.5f;
      float[] gb = new float[out];
      float[] dx = dx0.clone();
      layer.backward(x, delta, batch, gw, 1, gb, 0, dx);
      assertEquals(0.5f, gw[0], name + " leaves values before the offset alone");
      int[] rp = layer.rowPtr();
      int[] ci = layer.colIdx();
      for (int r = 0; r < out; r++) {
        assertEquals(gbRef[r], gb[r], 1e-4 * (1 + Math.abs(gbRef[r])), name + " bias grad " + r);
        for (int k = rp[r]; k < rp[r + 1]; k++) {
          double ref = gwRef[r * in + ci[k]];
          assertEquals(ref, gw[1 + k], 1e-4 * (1 + Math.abs(ref)), name + " weight grad " + k);
        }
      }
      for (int i = 0; i < in * batch; i++) {
        assertEquals(dxRef[i], dx[i], 1e-4 * (1 + Math.abs(dxRef[i])), name + " input grad " + i);
      }
    }
  }

  /**
   * The plan keeps the forward's x row offsets for one batch size at a time: a layer called at
   * changing batch sizes (tiles of 8 and 4 vectors, and back) gives at each the bits of a fresh copy
   * of itself, which builds its plan for that batch alone.
   */
  @Test
  void forwardAtChangingBatchSizesMatchesAFreshLayer() {
    int in = 300;
    int out = 200;
    SparseLinear sp = Init.sparse(in, out, Init.nnzFor(0.1, in, out), 17, 0);
    for (int batch : new int[] {128, 64, 192, 128, 64, 256}) {
      float[] x = TestNets.gaussian(in * batch, batch);
      float[] y = new float[out * batch];
      float[] fresh = new float[out * batch];
      sp.forward(x, batch, y);
      sp.copy().forward(x, batch, fresh);
      assertArrayEquals(fresh, y, "batch " + batch);
    }
  }

  /**
   * The forward through a plan (column blocks, the loop over rows inside the tile kernels) against
   * the plain per-row kernels, bit for bit: blocks of 1 (segments of 0 or 1), 7 and 16 columns
   * (partial last blocks), the default and unblocked; rows of random length including empty ones;
   * tiles of 8 and 4 vectors with tails of 2, 1 and single lanes; and the dense layer's implicit indices.
   */
  @ParameterizedTest(name = "{0}x{1} density {2} batch {3} block {4}")
  @CsvSource({
      "130,77,0.3,128,7", "130,77,0.3,128,16", "130,77,0.3,128,0", "130,77,0.3,128,-1", "77,130,0.1,192,16",
      "77,130,0.1,64,1", "300,200,0.05,144,16", "300,200,0.01,200,0", "300,200,0.01,128,-1", "50,40,0.5,80,7",
      "50,40,0.5,112,16", "200,30,1.0,128,16", "200,30,1.0,192,0", "40,50,0.0,128,7"})
  void forwardThroughPlanIsBitIdenticalToPlainKernels(int in, int out, double density, int batch, int block) {
    long seed = in * 7919L + out * 31L + batch + block;
    java.util.Random rnd = new java.util.Random(seed);
    boolean dense = density == 1.0;
    int[] rp = dense ? null : new int[out + 1];
    java.util.List<Integer> cols = new java.util.ArrayList<>();
    if (!dense) {
      for (int r = 0; r < out; r++) {
        // every few rows empty, the others of random (odd and even) length around density·in
        double d = r % 5 == 3 ? 0.0 : density * 2 * rnd.nextDouble();
        for (int c = 0; c < in; c++) {
          if (rnd.nextDouble() < d) {
            cols.add(c);
          }
        }
        rp[r + 1] = cols.size();
      }
    }
    int[] ci = dense ? null : cols.stream().mapToInt(Integer::intValue).toArray();
    float[] v = TestNets.gaussian(dense ? in * out : Math.max(1, ci.length), seed + 1);
    float[] bias = TestNets.gaussian(out, seed + 2);
    float[] x = TestNets.gaussian(in * batch, seed + 3);
    float[] want = new float[out * batch];
    Kernels.forward(in, out, rp, ci, v, bias, x, 0, batch, want, 0);
    Kernels.Plan plan;
    String key = "sparsetrain.kernels.fwdblock";
    System.setProperty(key, Integer.toString(block));
    try {
      plan = dense ? Kernels.Plan.dense(in, out) : Kernels.Plan.sparse(in, out, rp, ci);
    } finally {
      System.clearProperty(key);
    }
    float[] y = new float[out * batch];
    java.util.Arrays.fill(y, Float.NaN);
    Kernels.forward(in, out, rp, ci, v, bias, x, 0, batch, y, 0, plan);
    for (int i = 0; i < y.length; i++) {
      assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(y[i]), "y[" + i + "]");
    }
  }
}
