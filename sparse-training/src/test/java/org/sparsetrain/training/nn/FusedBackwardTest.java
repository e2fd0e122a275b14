package org.sparsetrain.training.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fused backward (batches of whole tiles of 8 and 4 vectors) gives the weight gradient of the
 * separate pass bit for bit: the same sums, by the same tree, added to gW tile by tile in the same
 * order. Shapes with several row blocks and column segments longer and shorter than 16 entries.
 */
class FusedBackwardTest {

  @ParameterizedTest(name = "{0}x{1} density {2} batch {3}")
  @CsvSource({"300,260,0.1,64", "300,260,0.1,192", "300,260,0.1,128", "120,90,0.5,64", "50,300,0.02,64",
      "64,64,1.0,192"})
  void fusedWeightGradientEqualsSeparatePass(int in, int out, double density, int batch) {
    long seed = in * 7919L + out + batch;
    SparseLinear sp = Init.sparse(in, out, Init.nnzFor(density, in, out), seed, 0);
    float[] x = TestNets.gaussian(in * batch, seed + 1);
    float[] delta = TestNets.gaussian(out * batch, seed + 2);
    float[] start = TestNets.gaussian(sp.nnz(), seed + 3);
    float[] fused = start.clone();
    float[] separate = start.clone();
    sp.backward(x, delta, batch, fused, 0, new float[out], 0, new float[in * batch]);
    sp.backward(x, delta, batch, separate, 0, new float[out], 0, null);
    for (int k = 0; k < fused.length; k++) {
      assertEquals(Float.floatToRawIntBits(separate[k]), Float.floatToRawIntBits(fused[k]), "gW[" + k + "]");
    }
  }
}
