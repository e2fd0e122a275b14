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
  @CsvSource({"300,260,0.1,64", "300,260,0.1,192", "300,260,0.1,128", "300,260,0.1,256", "120,90,0.5,64",
      "50,300,0.02,64", "64,64,1.0,192"})
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

  /**
   * The same at an offset into a larger gradient array (as a network's parameter layout holds it):
   * the walk's sums go into gW after each batch tile, in the non-zeros' order, from gwOff.
   */
  @ParameterizedTest(name = "{0}x{1} density {2} batch {3} offset {4}")
  @CsvSource({"300,260,0.1,256,7", "77,130,0.3,192,100", "130,77,0.05,128,1"})
  void fusedWeightGradientAtAnOffset(int in, int out, double density, int batch, int off) {
    long seed = in * 31L + out + batch + off;
    SparseLinear sp = Init.sparse(in, out, Init.nnzFor(density, in, out), seed, 0);
    float[] x = TestNets.gaussian(in * batch, seed + 1);
    float[] delta = TestNets.gaussian(out * batch, seed + 2);
    float[] start = TestNets.gaussian(sp.nnz() + off + 9, seed + 3);
    float[] fused = start.clone();
    float[] separate = start.clone();
    sp.backward(x, 0, delta, 0, batch, fused, off, new float[out], 0, new float[in * batch], 0);
    sp.backward(x, 0, delta, 0, batch, separate, off, new float[out], 0, null, 0);
    for (int k = 0; k < fused.length; k++) {
      assertEquals(Float.floatToRawIntBits(separate[k]), Float.floatToRawIntBits(fused[k]), "gW[" + k + "]");
    }
  }
}
