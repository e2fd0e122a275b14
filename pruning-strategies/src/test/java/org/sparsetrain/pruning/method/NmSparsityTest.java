package org.sparsetrain.pruning.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparsetrain.pruning.SparsityConfig;
import org.sparsetrain.pruning.SparsityMethods;
import org.sparsetrain.pruning.TestContext;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.SparseLinear;
import org.sparsetrain.training.sparsity.MaskApplier;
import org.sparsetrain.training.sparsity.MaskDecision;
import org.sparsetrain.training.sparsity.SparsityMethod;

class NmSparsityTest {
  private static SparsityMethod nm(int n, int m, double lambda) {
    return SparsityMethods.create(SparsityConfig.builder().set("method", "nm").set("nm_n", n).set("nm_m", m)
        .set("srste_lambda", lambda).set("update_every", 1).set("t_end", 100).build(), 100);
  }

  /** Non-zeros of every group of M consecutive inputs of every row. */
  static void assertGroupsHoldExactly(Layer layer, int n, int m) {
    int[] rp = layer.rowPtr();
    int[] ci = layer.colIdx();
    for (int r = 0; r < layer.outFeatures(); r++) {
      int[] count = new int[layer.inFeatures() / m];
      for (int k = rp[r]; k < rp[r + 1]; k++) {
        count[ci[k] / m]++;
      }
      for (int g = 0; g < count.length; g++) {
        assertEquals(n, count[g], "row " + r + " group " + g);
      }
    }
  }

  @Test
  void firstProjectionKeepsTheNLargestOfEachGroupWithTiesByColumn() {
    Network net = TestContext.oneLayer(4, 1, new int[] {0, 4}, new int[] {0, 1, 2, 3}, new float[] {0.1f, -0.4f, 0.3f, 0.3f});
    SparsityMethod m = nm(2, 4, 2e-4);
    assertTrue(m.updatesAt(1));
    MaskDecision d = m.decide(1, TestContext.of(net, null, new float[][] {new float[4]}, 0.1f));
    assertArrayEquals(new int[] {0, 3}, d.layer(0).drop());
    assertEquals(0, d.layer(0).grow().length);
    MaskApplier.apply(net, null, d);
    assertArrayEquals(new float[] {0, -0.4f, 0.3f, 0}, ((SparseLinear) net.layer(0)).toDense());
  }

  @Test
  void aMaskedOutWeightReentersWhenOneSrSteStepFromZeroBeatsAKeptOne() {
    // stored columns 1, 2 with -0.4, 0.05; masked-out column 0 has gradient -2 (one step: +0.2), column 3 0.1 (−0.01)
    Network net = TestContext.oneLayer(4, 1, new int[] {0, 2}, new int[] {1, 2}, new float[] {-0.4f, 0.05f});
    MaskDecision d = nm(2, 4, 2e-4).decide(5, TestContext.of(net, null, new float[][] {{-2f, 0f, 0f, 0.1f}}, 0.1f));
    assertArrayEquals(new int[] {1}, d.layer(0).drop());
    assertArrayEquals(new long[] {0}, d.layer(0).grow());
    assertArrayEquals(new float[] {0.2f}, d.layer(0).growValues(), 1e-7f);
    MaskApplier.apply(net, null, d);
    assertArrayEquals(new float[] {0.2f, -0.4f, 0, 0}, ((SparseLinear) net.layer(0)).toDense(), 1e-7f);
  }

  @Test
  void srSteTermDecaysTheWeightsOutsideEachGroupsTopN() {
    Network net = TestContext.oneLayer(4, 1, new int[] {0, 4}, new int[] {0, 1, 2, 3}, new float[] {0.1f, -0.4f, 0.3f, 0.3f});
    TestContext ctx = TestContext.of(net, null, new float[][] {{1f, 1f, 1f, 1f}}, 0.1f);
    nm(2, 4, 0.01).adjustGradient(1, ctx);
    float[] g = ctx.gradient();
    assertArrayEquals(new float[] {1f + 0.01f * 0.1f, 1f, 1f, 1f + 0.01f * 0.3f}, java.util.Arrays.copyOf(g, 4), 1e-7f);
  }

  @Test
  void everyGroupHoldsExactlyNAfterEachUpdate() {
    for (int[] nmPair : new int[][] {{2, 4}, {1, 4}, {4, 8}, {3, 8}}) {
      int n = nmPair[0];
      int m = nmPair[1];
      int in = 32;
      int out = 6;
      SplittableRandom r = new SplittableRandom(n * 31L + m);
      float[] w = new float[in * out];
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) r.nextGaussian();
      }
      Network net = new Network(List.of(SparseLinear.fromDense(in, out, w, new float[out])), Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY);
      SparsityMethod method = nm(n, m, 2e-4);
      for (long t = 1; t <= 5; t++) {
        float[][] dense = {new float[in * out]};
        for (int i = 0; i < dense[0].length; i++) {
          dense[0][i] = (float) r.nextGaussian() * 5;
        }
        MaskApplier.apply(net, null, method.decide(t, TestContext.of(net, null, dense, 0.1f)));
        assertGroupsHoldExactly(net.layer(0), n, m);
        assertEquals(in * out * n / m, net.layer(0).nnz());
      }
      assertArrayEquals(new double[] {(double) n / m}, method.targetDensities(5, new int[] {in, out}), 0);
    }
  }

  @Test
  void badNmFailsBeforeTraining() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SparsityMethods.create(SparsityConfig.builder().set("method", "nm").set("nm_n", 5).set("nm_m", 4).build(), 1000));
    assertEquals("sparsity.nm_n must be in [1, nm_m=4], got 5", e.getMessage());   // checked by the method, naming its key
    SparsityConfig c = SparsityConfig.builder().set("method", "nm").set("nm_n", 4).set("nm_m", 8).build();
    e = assertThrows(IllegalArgumentException.class, () -> SparsityMethods.create(c, 1000, new int[] {784, 300, 100, 10}));
    assertTrue(e.getMessage().contains("layer 1 has 300 inputs"), e.getMessage());
    SparsityMethods.create(c, 1000, new int[] {784, 304, 104, 10});
  }
}
