package org.sparsetrain.pruning.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparsetrain.pruning.SparsityConfig;
import org.sparsetrain.pruning.SparsityMethods;
import org.sparsetrain.pruning.TestContext;
import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.SparseLinear;
import org.sparsetrain.training.optim.LearningRate;
import org.sparsetrain.training.optim.OptimizerState;
import org.sparsetrain.training.optim.Sgd;
import org.sparsetrain.training.sparsity.GrowthInput;
import org.sparsetrain.training.sparsity.LayerChange;
import org.sparsetrain.training.sparsity.MaskApplier;
import org.sparsetrain.training.sparsity.MaskDecision;
import org.sparsetrain.training.sparsity.SparsityMethod;

/** Hand-computed decisions of every method on layers small enough to check by eye. */
class MethodDecisionTest {
  /** Row 0 holds columns 0,1,3; row 1 holds column 2 (in = 4, out = 2): positions 0, 1, 3, 6. */
  private static Network small() {
    return TestContext.oneLayer(4, 2, new int[] {0, 3, 4}, new int[] {0, 1, 3, 2}, new float[] {0.5f, -0.2f, 0.2f, 0.1f});
  }

  /** Dense gradient of {@link #small()} (row-major 2 × 4). */
  private static final float[][] DENSE = {{0.7f, 0.9f, 0.3f, 0.0f, -0.3f, 0.2f, 0.05f, 0.1f}};

  private static SparsityMethod method(String name, Object... kv) {
    SparsityConfig.Builder b = SparsityConfig.builder().set("method", name).set("distribution", "uniform")
        .set("drop_schedule", "constant").set("update_every", 1).set("t_end", 100);
    for (int i = 0; i < kv.length; i += 2) {
      b.set((String) kv[i], kv[i + 1]);
    }
    return SparsityMethods.create(b.build(), 100);
  }

  private static float[] dense(Layer l) {
    return ((SparseLinear) l).toDense();
  }

  @Test
  void riglDropsSmallestAndGrowsLargestGradientRevivingAJustDroppedOne() {
    SparsityMethod rigl = method("rigl", "drop_fraction", 0.5);
    assertTrue(rigl.skipsOptimizerOnUpdate());
    assertEquals(GrowthInput.DENSE_GRADIENT, rigl.growthInput(1));
    Network net = small();
    MaskDecision d = rigl.decide(1, TestContext.of(net, null, DENSE, 0.1f));
    // drop: 0.1 (idx 3), then the tie 0.2/0.2 goes to the lower index 1
    assertArrayEquals(new int[] {1, 3}, d.layer(0).drop());
    // grow: position 1 (0.9, its own sparse-gradient entry), then the tie 0.3/0.3 of positions 2 and 4 → 2
    assertArrayEquals(new long[] {1, 2}, d.layer(0).grow());
    MaskApplier.apply(net, null, d);
    assertEquals(4, net.layer(0).nnz());
    assertArrayEquals(new float[] {0.5f, -0.2f, 0f, 0.2f, 0, 0, 0, 0}, dense(net.layer(0)));
  }

  @Test
  void riglDecidesTheSameFromOnlyTheLargestInactiveGradientsItDeclares() {
    java.util.SplittableRandom r = new java.util.SplittableRandom(3);
    for (int round = 0; round < 20; round++) {
      int in = 30 + r.nextInt(20);
      int out = 20 + r.nextInt(20);
      int[] rp = new int[out + 1];
      List<Integer> cols = new java.util.ArrayList<>();
      for (int row = 0; row < out; row++) {
        for (int c = 0; c < in; c++) {
          if (r.nextDouble() < 0.2) {
            cols.add(c);
          }
        }
        rp[row + 1] = cols.size();
      }
      float[] v = new float[cols.size()];
      for (int k = 0; k < v.length; k++) {
        v[k] = (float) r.nextGaussian();
      }
      Network net = TestContext.oneLayer(in, out, rp, cols.stream().mapToInt(Integer::intValue).toArray(), v);
      float[][] dense = {new float[in * out]};
      for (int i = 0; i < dense[0].length; i++) {
        dense[0][i] = round % 2 == 0 ? (float) r.nextGaussian() : r.nextInt(5) - 2;  // odd rounds: many ties
      }
      SparsityMethod rigl = method("rigl", "drop_fraction", 0.1 + 0.4 * r.nextDouble());
      int[] m = rigl.largestInactiveGradients(1, net);
      assertEquals((int) Math.floor(net.layer(0).nnz() * ((org.sparsetrain.pruning.method.RigL) rigl).dropFraction().at(1)),
          m[0], "each layer grows what it drops");
      TestContext all = new TestContext(net, null, TestContext.of(net, null, dense, 0.1f).gradient(), dense, 7, 0.1f, 7);
      MaskDecision full = rigl.decide(1, all);
      MaskDecision cut = rigl.decide(1, all.streamingOnlyLargest(m));
      assertArrayEquals(full.layer(0).drop(), cut.layer(0).drop());
      assertArrayEquals(full.layer(0).grow(), cut.layer(0).grow(), "round " + round);
    }
    assertNull(method("rigl", "grow_init", "gradient").largestInactiveGradients(1, small()),
        "a gradient grow-init reads the grown positions' gradients: all of them");
    assertNull(method("set").largestInactiveGradients(1, small()));
  }

  @Test
  void riglSkipsTheOptimizerOnUpdateStepsAndSetDoesNot() {
    for (String name : List.of("rigl", "set")) {
      Network net = small();
      SparsityMethod m = method(name, "drop_fraction", 0.25);
      TestContext ctx = TestContext.of(net, null, DENSE, 0.1f);
      OptimizerState opt = OptimizerState.create(new Sgd(0, false, 0, false), net);
      TrainingState state = new TrainingState(net, opt, m, LearningRate.constant(0.1), 7, 100, 0, 0);
      state.finishStep(ctx.gradient().clone(), net.layout(), ctx::inactiveGradient);
      float w00 = dense(net.layer(0))[0];
      if (name.equals("rigl")) {
        assertEquals(0.5f, w00, 0f, "RigL leaves values alone on an update step");
      } else {
        assertEquals(0.5f - 0.1f * 0.7f, w00, 1e-7f, "SET applies the update first");
      }
      assertEquals(4, net.layer(0).nnz());
    }
  }

  @Test
  void setGrowsRandomlyAmongInactiveAfterDropAndKeepsCounts() {
    SparsityMethod set = method("set", "drop_fraction", 0.5);
    assertFalse(set.skipsOptimizerOnUpdate());
    assertEquals(GrowthInput.NONE, set.growthInput(1));
    Network net = small();
    MaskDecision d = set.decide(1, TestContext.of(net, null, DENSE, 0.1f));
    assertArrayEquals(new int[] {1, 3}, d.layer(0).drop());
    long[] g = d.layer(0).grow();
    assertEquals(2, g.length);
    for (long p : g) {
      assertTrue(p != 0 && p != 3, "position " + p + " is still active after the drop");
    }
    assertArrayEquals(g, set.decide(1, TestContext.of(small(), null, DENSE, 0.1f)).layer(0).grow());
    // SET's signed thresholds: of 2 drops with 1 negative in 4, round(2·1/4) = 1 negative (−0.2) and 1 positive (0.1)
    SparsityMethod signed = method("set", "drop_fraction", 0.5, "prune", "signed_magnitude");
    assertArrayEquals(new int[] {1, 3}, signed.decide(1, TestContext.of(small(), null, DENSE, 0.1f)).layer(0).drop());
    // with gradient growth SET grows like RigL
    SparsityMethod setGrad = method("set", "drop_fraction", 0.5, "growth", "gradient");
    assertArrayEquals(new long[] {1, 2}, setGrad.decide(1, TestContext.of(small(), null, DENSE, 0.1f)).layer(0).grow());
  }

  @Test
  void snfsSharesTheRegrowthByMeanMomentum() {
    assertArrayEquals(new int[] {2, 6}, Snfs.share(new double[] {1, 3}, new long[] {10, 10}, new boolean[] {true, true}, 8));
    assertArrayEquals(new int[] {4, 4}, Snfs.share(new double[] {1, 3}, new long[] {10, 4}, new boolean[] {true, true}, 8));
    assertArrayEquals(new int[] {2, 1, 1}, Snfs.share(new double[] {1, 1, 1}, new long[] {9, 9, 9}, new boolean[] {true, true, true}, 4));
    assertArrayEquals(new int[] {0, 4}, Snfs.share(new double[] {5, 1}, new long[] {9, 9}, new boolean[] {false, true}, 4));

    SparseLinear a = (SparseLinear) small().layer(0);
    SparseLinear b = new SparseLinear(2, 3, new int[] {0, 1, 2, 3}, new int[] {0, 1, 0}, new float[] {0.4f, 0.05f, -0.3f}, new float[3]);
    Network net = new Network(List.of(a, b), Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY);
    OptimizerState opt = OptimizerState.create(new Sgd(0.9, false, 0, false), net);
    Arrays.fill(opt.weightSlot(0, 0), 0.1f);
    Arrays.fill(opt.weightSlot(1, 0), 0.3f);
    float[][] dense = {{0f, 0f, 0.3f, 0f, -0.25f, 0.2f, 0f, 0.1f}, {0f, 0.2f, 0.5f, 0f, 0f, 0.1f}};
    SparsityMethod snfs = method("snfs", "drop_fraction", 0.5);
    MaskDecision d = snfs.decide(1, TestContext.of(net, opt, dense, 0.1f));
    // drops 2 + 1 = 3; shares 3·(0.1, 0.3)/0.4 = (0.75, 2.25) → (0, 2) + the remainder to layer 0
    assertArrayEquals(new int[] {1, 3}, d.layer(0).drop());
    assertArrayEquals(new long[] {2}, d.layer(0).grow());
    assertArrayEquals(new int[] {1}, d.layer(1).drop());
    assertArrayEquals(new long[] {2, 3}, d.layer(1).grow());   // 0.5 inactive, then 0.3 = momentum of the dropped one
    long before = net.nnz();
    MaskApplier.apply(net, opt, d);
    assertEquals(before, net.nnz());
    assertEquals(3, net.layer(0).nnz());
    assertEquals(4, net.layer(1).nnz());
    // with redistribution off, each layer keeps its count
    SparsityMethod flat = method("snfs", "drop_fraction", 0.5, "redistribution", "none");
    SparseLinear b2 = new SparseLinear(2, 3, new int[] {0, 1, 2, 3}, new int[] {0, 1, 0}, new float[] {0.4f, 0.05f, -0.3f}, new float[3]);
    Network net2 = new Network(List.of(small().layer(0), b2), Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY);
    opt = OptimizerState.create(new Sgd(0.9, false, 0, false), net2);
    MaskDecision d2 = flat.decide(1, TestContext.of(net2, opt, dense, 0.1f));
    assertEquals(2, d2.layer(0).grow().length);
    assertEquals(1, d2.layer(1).grow().length);
  }

  @Test
  void gmpFollowsTheCubicScheduleByMagnitude() {
    float[] w = {0.8f, -0.1f, 0.3f, 0.05f, -0.6f, 0.2f, 0.15f, -0.9f};
    Network net = new Network(List.of(SparseLinear.fromDense(4, 2, w, new float[2])), Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY);
    SparsityMethod gmp = method("gmp", "target", 0.5, "update_every", 2, "prune_begin", 0, "prune_end", 5);
    int[] sizes = {4, 2};
    assertArrayEquals(new double[] {1.0}, gmp.initialDensities(sizes), 0);
    assertTrue(gmp.updatesAt(2) && gmp.updatesAt(4) && gmp.updatesAt(5));
    assertFalse(gmp.updatesAt(1) || gmp.updatesAt(3) || gmp.updatesAt(6));
    // s(2) = 0.5 − 0.5·(1 − 2/5)³ = 0.392 → density 0.608 → round(4.864) = 5 kept
    assertEquals(0.608, gmp.targetDensities(2, sizes)[0], 1e-12);
    assertEquals(0.608, gmp.targetDensities(3, sizes)[0], 1e-12);
    MaskDecision d = gmp.decide(2, TestContext.of(net, null, new float[][] {new float[8]}, 0.1f));
    assertArrayEquals(new int[] {1, 3, 6}, d.layer(0).drop());
    assertEquals(0, d.layer(0).grow().length);
    MaskApplier.apply(net, null, d);
    assertEquals(5, net.layer(0).nnz());
    // s(4) = 0.5 − 0.5·0.2³ = 0.496 → round(4.032) = 4: one more, the 0.2
    MaskDecision d4 = gmp.decide(4, TestContext.of(net, null, new float[][] {new float[8]}, 0.1f));
    assertArrayEquals(new int[] {3}, d4.layer(0).drop());
    MaskApplier.apply(net, null, d4);
    assertNull(gmp.decide(5, TestContext.of(net, null, new float[][] {new float[8]}, 0.1f)).layer(0));
    assertArrayEquals(new float[] {0.8f, 0, 0.3f, 0, -0.6f, 0, 0, -0.9f}, dense(net.layer(0)));
    assertEquals(0.5, gmp.targetDensities(5, sizes)[0], 0);
  }

  @Test
  void randomPruningBaselineFollowsTheSameScheduleWithRandomDrops() {
    float[] w = {0.8f, -0.1f, 0.3f, 0.05f, -0.6f, 0.2f, 0.15f, -0.9f};
    Network net = new Network(List.of(SparseLinear.fromDense(4, 2, w, new float[2])), Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY);
    SparsityMethod r = method("random", "target", 0.5, "update_every", 2, "prune_begin", 0, "prune_end", 5);
    int[] a = r.decide(2, TestContext.of(net, null, new float[][] {new float[8]}, 0.1f)).layer(0).drop();
    assertEquals(3, a.length);
    assertArrayEquals(a, r.decide(2, TestContext.of(net, null, new float[][] {new float[8]}, 0.1f)).layer(0).drop());
    assertNotEquals(Arrays.toString(a), Arrays.toString(r.decide(4, TestContext.of(net, null, new float[][] {new float[8]}, 0.1f)).layer(0).drop()));
  }

  @Test
  void granetPrunesThenRegeneratesByGradient() {
    SparsityMethod g = method("granet", "target", 0.75, "initial_sparsity", 0.5, "prune_begin", 0, "prune_end", 10,
        "update_every", 10, "t_end", 10, "regeneration_initial", 0.5, "regeneration_final", 0.5);
    assertArrayEquals(new double[] {0.5}, g.initialDensities(new int[] {4, 2}), 0);
    assertTrue(g.updatesAt(10));
    float[][] dense = {{0f, 0.9f, 0.3f, 0f, -0.3f, 0.2f, 0.05f, 0.95f}};
    Network net = small();
    MaskDecision d = g.decide(10, TestContext.of(net, null, dense, 0.1f));
    // prune to 2: 0.1 (idx 3) and the tie 0.2 → idx 1; regenerate ⌊0.5·2⌋ = 1: drop 0.2 (idx 2), grow position 7 (0.95)
    assertArrayEquals(new int[] {1, 2, 3}, d.layer(0).drop());
    assertArrayEquals(new long[] {7}, d.layer(0).grow());
    MaskApplier.apply(net, null, d);
    assertEquals(2, net.layer(0).nnz());
    assertArrayEquals(new float[] {0.5f, 0, 0, 0, 0, 0, 0, 0}, dense(net.layer(0)));
    assertArrayEquals(new double[] {0.25}, g.targetDensities(10, new int[] {4, 2}), 1e-12);
  }

  @Test
  void staticAndDenseNeverChange() {
    for (String n : List.of("static", "dense")) {
      SparsityMethod m = method(n);
      for (long t = 1; t < 300; t++) {
        assertFalse(m.updatesAt(t));
      }
    }
    assertTrue(method("dense").dense());
  }
}
