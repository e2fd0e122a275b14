package org.sparsetrain.pruning.criteria;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparsetrain.pruning.SparsityConfig;
import org.sparsetrain.pruning.SparsityMethods;
import org.sparsetrain.pruning.TestContext;
import org.sparsetrain.pruning.growth.RandomGrowth;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.Init;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.SparseLinear;
import org.sparsetrain.training.optim.Adam;
import org.sparsetrain.training.optim.OptimizerState;
import org.sparsetrain.training.optim.Sgd;
import org.sparsetrain.training.sparsity.MaskApplier;
import org.sparsetrain.training.sparsity.MaskDecision;
import org.sparsetrain.training.sparsity.LayerChange;

class CriteriaTest {
  private static final boolean[] ONE = {true};

  /** Row 0 holds columns 0,1,3; row 1 holds column 2 (in = 4, out = 2). */
  private static Network small(float... v) {
    return TestContext.oneLayer(4, 2, new int[] {0, 3, 4}, new int[] {0, 1, 3, 2}, v);
  }

  @Test
  void magnitudeDropsSmallestWithTiesByIndex() {
    Network net = small(0.5f, -0.2f, 0.2f, 0.1f);
    assertArrayEquals(new int[] {1, 3}, PruneCriteria.named("magnitude").select(net, new int[] {2}, ONE, 1, 1)[0]);
    assertArrayEquals(new int[] {1, 2, 3}, Selection.smallest(new float[] {0.5f, -0.2f, 0.2f, 0.1f}, 3));
  }

  @Test
  void signedMagnitudeTakesEachSignSeparately() {
    float[] v = {-0.1f, -0.5f, 0.2f, 0.3f, -0.02f, 0.25f};
    Network net = TestContext.oneLayer(6, 1, new int[] {0, 6}, new int[] {0, 1, 2, 3, 4, 5}, v);
    // plain magnitude: 0.02 and 0.1; SET: the negative closest to zero and the smallest positive
    assertArrayEquals(new int[] {0, 4}, PruneCriteria.named("magnitude").select(net, new int[] {2}, ONE, 1, 1)[0]);
    assertArrayEquals(new int[] {2, 4}, PruneCriteria.named("signed_magnitude").select(net, new int[] {2}, ONE, 1, 1)[0]);
    // 4 of 6 with 3 negatives: 2 from each side
    assertArrayEquals(new int[] {0, 2, 4, 5}, PruneCriteria.named("signed_magnitude").select(net, new int[] {4}, ONE, 1, 1)[0]);
  }

  @Test
  void globalMagnitudeRanksAcrossLayers() {
    SparseLinear a = new SparseLinear(2, 1, new int[] {0, 2}, new int[] {0, 1}, new float[] {0.9f, 0.1f}, new float[1]);
    SparseLinear b = new SparseLinear(1, 2, new int[] {0, 1, 2}, new int[] {0, 0}, new float[] {0.1f, 0.05f}, new float[2]);
    Network net = new Network(List.of(a, b), Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY);
    int[][] d = PruneCriteria.named("global_magnitude").select(net, new int[] {2, 0}, new boolean[] {true, true}, 1, 1);
    // 0.05 (layer 1 idx 1), then the tie 0.1: layer 0 wins over layer 1
    assertArrayEquals(new int[] {1}, d[0]);
    assertArrayEquals(new int[] {1}, d[1]);
    int[][] only = PruneCriteria.named("global_magnitude").select(net, new int[] {2, 0}, new boolean[] {true, false}, 1, 1);
    assertArrayEquals(new int[] {0, 1}, only[0]);
    assertEquals(0, only[1].length);
  }

  @Test
  void randomPruneIsKeyedAndExact() {
    Network net = new Network(List.of(Init.sparse(30, 20, 200, 3, 0)), Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY);
    PruneCriterion r = PruneCriteria.named("random");
    int[] a = r.select(net, new int[] {37}, ONE, 5, 100)[0];
    assertEquals(37, a.length);
    assertEquals(37, Arrays.stream(a).distinct().count());
    assertArrayEquals(a, r.select(net, new int[] {37}, ONE, 5, 100)[0]);
    assertFalse(Arrays.equals(a, r.select(net, new int[] {37}, ONE, 5, 200)[0]));
  }

  @Test
  void topKKeepsExactBestWithTiesByLowerPosition() {
    TopK t = new TopK(3);
    double[] s = {0.3, 0.9, 0.3, 0.5, Double.NaN, 0.3, 0.1};
    long[] p = {10, 3, 7, 20, 1, 2, 0};
    for (int i = 0; i < s.length; i++) {
      t.offer(s[i], p[i]);
    }
    assertArrayEquals(new long[] {2, 3, 20}, t.positions());
  }

  @Test
  void gradientGrowthScoresDroppedBySparseGradientAndInactiveByDenseGradient() {
    Network net = small(0.5f, -0.2f, 0.2f, 0.1f);
    // dense gradient, row-major 2 x 4; stored positions 0,1,3,6
    float[][] dense = {{0.0f, 0.9f, 0.3f, 0.0f, -0.3f, 0.2f, 0.05f, 0.1f}};
    TestContext ctx = TestContext.of(net, null, dense, 0.1f);
    long[] g = GrowthCriteria.named("gradient").grow(ctx, 1, 0, new int[] {1, 3}, 2);
    // candidates: 1 (0.9, just dropped), 2 (0.3), 4 (0.3), 5 (0.2), 7 (0.1), 6 (0.05, dropped)
    assertArrayEquals(new long[] {1, 2}, g);
    assertArrayEquals(new long[] {1, 2, 4}, GrowthCriteria.named("gradient").grow(ctx, 1, 0, new int[] {1, 3}, 3));
  }

  @Test
  void momentumGrowthReadsSlotZeroForDroppedAndOneStepMomentumForInactive() {
    Network net = small(0.5f, -0.2f, 0.2f, 0.1f);
    float[][] dense = {{0.0f, 0.0f, 0.3f, 0.0f, -0.25f, 0.2f, 0.0f, 0.1f}};
    OptimizerState sgd = OptimizerState.create(new Sgd(0.9, false, 0, false), net);
    System.arraycopy(new float[] {0f, 0.28f, 0f, 0.26f}, 0, sgd.weightSlot(0, 0), 0, 4);
    TestContext ctx = TestContext.of(net, sgd, dense, 0.1f);
    GrowthCriterion m = GrowthCriteria.named("momentum");
    // SGD: one step from zero puts g in the buffer: 2 (0.3), 1 (0.28), 6 (0.26), 4 (0.25)
    assertArrayEquals(new long[] {1, 2, 6}, m.grow(ctx, 1, 0, new int[] {1, 3}, 3));
    // Adam: inactive scores shrink by (1 − β₁) = 0.1 → dropped ones win
    OptimizerState adam = OptimizerState.create(new Adam(0.9, 0.999, 1e-8, 0, false), net);
    System.arraycopy(new float[] {0f, 0.28f, 0f, 0.26f}, 0, adam.weightSlot(0, 0), 0, 4);
    assertArrayEquals(new long[] {1, 2, 6}, m.grow(TestContext.of(net, adam, dense, 0.1f), 1, 0, new int[] {1, 3}, 3));
    assertArrayEquals(new long[] {1, 6}, m.grow(TestContext.of(net, adam, dense, 0.1f), 1, 0, new int[] {1, 3}, 2));
    // plain SGD has no slot: the momentum is the gradient (dropped ones: sparse gradient = 0 here)
    OptimizerState plain = OptimizerState.create(new Sgd(0, false, 0, false), net);
    assertArrayEquals(new long[] {2, 4}, m.grow(TestContext.of(net, plain, dense, 0.1f), 1, 0, new int[] {1, 3}, 2));
  }

  @Test
  void randomGrowthPicksAmongInactiveAfterDropDeterministically() {
    Network net = new Network(List.of(Init.sparse(30, 20, 200, 3, 0)), Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY);
    int[] drop = Selection.smallest(net.layer(0).values(), 50);
    long[] a = RandomGrowth.choose(net.layer(0), drop, 50, 9, 100, 0);
    assertArrayEquals(a, RandomGrowth.choose(net.layer(0), drop, 50, 9, 100, 0));
    assertNotEquals(Arrays.toString(a), Arrays.toString(RandomGrowth.choose(net.layer(0), drop, 50, 9, 101, 0)));
    MaskDecision d = new MaskDecision(new LayerChange[] {new LayerChange(drop, a)});
    MaskApplier.apply(net, null, d);   // throws if any grown position were still active
    assertEquals(200, net.layer(0).nnz());
  }

  @Test
  void gradientGrowInitIsOneStepFromZero() {
    Network net = small(0.5f, -0.2f, 0.2f, 0.1f);
    float[][] dense = {{0.0f, 0.9f, 0.3f, 0.0f, -0.3f, 0.2f, 0.05f, 0.1f}};
    TestContext ctx = TestContext.of(net, null, dense, 0.1f);
    float[] v = GrowInit.GRADIENT.values(ctx, 1, 0, new long[] {2, 4});
    assertArrayEquals(new float[] {-0.03f, 0.03f}, v, 1e-7f);
    assertEquals(null, GrowInit.ZERO.values(ctx, 1, 0, new long[] {2, 4}));
    float[] r = GrowInit.RANDOM.values(ctx, 1, 0, new long[] {2, 4});
    assertArrayEquals(r, GrowInit.RANDOM.values(ctx, 1, 0, new long[] {2, 4}));
    assertTrue(r[0] != 0 && r[1] != 0);
  }

  @Test
  void aGrowthCriterionIsOneFileInTheGrowthPackage() {
    assertTrue(GrowthCriteria.known().contains("lowest_index"), GrowthCriteria.known());
    Network net = small(0.5f, -0.2f, 0.2f, 0.1f);
    TestContext ctx = TestContext.of(net, null, new float[][] {new float[8]}, 0.1f);
    assertArrayEquals(new long[] {1, 2}, GrowthCriteria.named("lowest_index").grow(ctx, 1, 0, new int[] {1, 3}, 2));
    // and a config selects it by name
    SparsityConfig c = SparsityConfig.builder().set("method", "set").set("growth", "lowest_index").build();
    SparsityMethods.create(c, 1000);
  }

  @Test
  void unknownCriteriaNamesListTheKnownOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GrowthCriteria.named("sideways"));
    assertTrue(e.getMessage().contains("gradient") && e.getMessage().contains("momentum") && e.getMessage().contains("random"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> PruneCriteria.named("smallest"));
    assertTrue(e.getMessage().contains("global_magnitude"), e.getMessage());
    assertEquals("global_magnitude, magnitude, random, signed_magnitude", PruneCriteria.known());
  }
}
