package org.sparsetrain.training.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A sparse layer whose mask is full computes exactly (bit for bit) what the dense layer computes. */
class SparseDenseEquivalenceTest {

  @ParameterizedTest(name = "{0}x{1} batch {2}")
  @CsvSource({"5,3,1", "37,23,7", "19,33,16", "64,48,128", "31,17,133", "8,40,70", "70,150,64", "150,70,192", "45,33,80"})
  void fullMaskEqualsDenseExactly(int in, int out, int batch) {
    float[] w = TestNets.gaussian(in * out, in * 31L + out);
    float[] b = TestNets.gaussian(out, 5);
    DenseLinear dense = new DenseLinear(in, out, w.clone(), b.clone());
    SparseLinear sparse = SparseLinear.fromDense(in, out, w, b);
    assertEquals(in * out, sparse.nnz());
    float[] x = TestNets.gaussian(in * batch, 77);
    float[] delta = TestNets.gaussian(out * batch, 78);

    float[] yd = new float[out * batch];
    float[] ys = new float[out * batch];
    dense.forward(x, batch, yd);
    sparse.forward(x, batch, ys);
    assertArrayEquals(yd, ys, "forward");

    // start from non-zero accumulators: backward adds
    float[] gwd = TestNets.gaussian(in * out + 3, 1);
    float[] gws = gwd.clone();
    float[] gbd = TestNets.gaussian(out + 2, 2);
    float[] gbs = gbd.clone();
    float[] dxd = TestNets.gaussian(in * batch, 3);
    float[] dxs = dxd.clone();
    dense.backward(x, delta, batch, gwd, 3, gbd, 2, dxd);
    sparse.backward(x, delta, batch, gws, 3, gbs, 2, dxs);
    assertArrayEquals(gwd, gws, "weight gradient");
    assertArrayEquals(gbd, gbs, "bias gradient");
    assertArrayEquals(dxd, dxs, "input gradient");

    // without dx
    float[] gw2 = new float[in * out];
    float[] gw3 = new float[in * out];
    dense.backward(x, delta, batch, gw2, 0, new float[out], 0, null);
    sparse.backward(x, delta, batch, gw3, 0, new float[out], 0, null);
    assertArrayEquals(gw2, gw3);
  }

  @ParameterizedTest
  @CsvSource({"RELU,SOFTMAX_CROSS_ENTROPY", "TANH,MSE", "SIGMOID,SOFTMAX_CROSS_ENTROPY"})
  void fullMaskNetworkEqualsDenseNetwork(Activation act, Loss loss) {
    int[] sizes = {20, 17, 9, 5};
    Network dense = TestNets.network(TestNets.Kind.DENSE, sizes, act, loss, 4);
    Layer[] sl = new Layer[3];
    for (int l = 0; l < 3; l++) {
      Layer d = dense.layer(l);
      sl[l] = SparseLinear.fromDense(d.inFeatures(), d.outFeatures(), d.values(), d.bias());
    }
    Network sparse = new Network(List.of(sl), act, loss);
    int batch = 37;
    float[] x = TestNets.gaussian(20 * batch, 9);
    int[] y = TestNets.labels(batch, 5, 10);
    float[] gd = new float[dense.layout().size()];
    float[] gs = new float[sparse.layout().size()];
    BatchStats sd = dense.accumulateGradient(x, batch, y, 0, 1f / batch, gd, dense.layout(), dense.workspace(batch));
    BatchStats ss = sparse.accumulateGradient(x, batch, y, 0, 1f / batch, gs, sparse.layout(), sparse.workspace(batch));
    assertEquals(sd.lossSum(), ss.lossSum());
    assertEquals(sd.correct(), ss.correct());
    assertArrayEquals(gd, gs);
  }
}
