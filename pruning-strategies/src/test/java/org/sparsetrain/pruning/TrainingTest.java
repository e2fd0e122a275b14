package org.sparsetrain.pruning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparsetrain.training.Evaluation;
import org.sparsetrain.training.LocalTrainer;
import org.sparsetrain.training.MaskUpdateReport;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.TrainResult;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.optim.OptimizerState;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.Init;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.optim.Sgd;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * Every method trains a 20-32-16-3 MLP for 300 steps through the {@link LocalTrainer} on a
 * synthetic problem: the non-zero counts are exactly what the method promises after every mask
 * update, and the model learns (test loss falls well below its initial value).
 */
class TrainingTest {
  static final int[] SIZES = {Synthetic.FEATURES, 32, 16, Synthetic.CLASSES};
  static final ModelSpec SPEC = new ModelSpec(SIZES, Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY);
  static DataBlock train;
  static DataBlock test;

  @BeforeAll
  static void data() {
    train = Synthetic.block(0, 800, 1);
    test = Synthetic.block(800, 400, 2);
  }

  static TrainingPlan plan(SparsityMethod m) {
    return new TrainingPlan(12, 32, 42, new Sgd(0.9, false, 0, false), 0.05, "constant", 0, m);
  }

  static long steps() {
    return 12 * (800 / 32);
  }

  static int dense(int l) {
    return SIZES[l] * SIZES[l + 1];
  }

  @ParameterizedTest
  @ValueSource(strings = {"static", "set", "rigl", "snfs", "granet", "gmp", "random", "nm", "set-uniform", "rigl-grow-random"})
  void trainsWithExactCounts(String which) {
    String name = which.split("-")[0];
    SparsityConfig.Builder b = SparsityConfig.builder().set("method", name).set("target", 0.8).set("update_every", 20);
    if (which.equals("set-uniform")) {
      b.set("distribution", "uniform").set("prune", "signed_magnitude");
    }
    if (which.equals("rigl-grow-random")) {
      b.set("grow_init", "random").set("drop_schedule", "exponential").set("drop_exponent", 2);
    }
    SparsityMethod m = SparsityMethods.create(b.build(), steps(), SIZES);
    LocalTrainer trainer = new LocalTrainer(SPEC, plan(m));
    double initialLoss = Evaluation.of(SPEC.build(m, 42), test).meanLoss();
    List<MaskUpdateReport> updates = new ArrayList<>();
    TrainResult r = trainer.train(train, test, new TrainingListener() {
      @Override public void onMaskUpdate(MaskUpdateReport u) { updates.add(u); }
    });
    Network net = r.network();
    assertEquals(steps(), r.steps());
    if (!name.equals("static")) {
      assertTrue(updates.size() >= 8, which + ": " + updates.size() + " mask updates");
    }
    double[] initial = m.initialDensities(SIZES);
    for (MaskUpdateReport u : updates) {
      long[] nnz = new long[u.densities().length];
      long total = 0;
      for (int l = 0; l < nnz.length; l++) {
        nnz[l] = Math.round(u.densities()[l] * dense(l));
        total += nnz[l];
      }
      double[] target = m.targetDensities(u.step(), SIZES);
      switch (name) {
        case "set", "rigl" -> {
          for (int l = 0; l < nnz.length; l++) {
            assertEquals(Init.nnzFor(initial[l], SIZES[l], SIZES[l + 1]), nnz[l], which + " layer " + l + " at " + u.step());
          }
        }
        case "snfs" -> assertEquals(initialTotal(initial), total, "snfs total at " + u.step());
        case "gmp", "random" -> {
          for (int l = 0; l < nnz.length; l++) {
            assertEquals(Init.nnzFor(target[l], SIZES[l], SIZES[l + 1]), nnz[l], which + " layer " + l + " at " + u.step());
          }
        }
        case "granet" -> assertEquals(Math.round(target[0] * (dense(0) + dense(1) + dense(2))), total, 1.0, "granet at " + u.step());
        case "nm" -> assertEquals(Math.round(0.5 * (dense(0) + dense(1) + dense(2))), total, "nm at " + u.step());
        default -> throw new AssertionError(which);
      }
    }
    // the final densities are the requested ones
    double[] finalTarget = m.targetDensities(steps(), SIZES);
    double kept = 0;
    for (int l = 0; l < net.layerCount(); l++) {
      kept += net.layer(l).nnz();
      if (!name.equals("granet") && !name.equals("snfs")) {
        assertEquals(Init.nnzFor(finalTarget[l], SIZES[l], SIZES[l + 1]), net.layer(l).nnz(), which + " final layer " + l);
      }
    }
    double requested = name.equals("nm") ? 0.5 : 0.2;
    assertEquals(requested, kept / (dense(0) + dense(1) + dense(2)), 1.5 / (dense(0) + dense(1) + dense(2)), which);
    if (name.equals("nm")) {
      for (int l = 0; l < net.layerCount(); l++) {
        assertGroups(net.layer(l), 2, 4);
      }
    }
    double loss = r.test().meanLoss();
    System.out.printf("%-18s updates %3d  density %.4f  test loss %.4f (initial %.4f)  accuracy %.3f%n",
        which, updates.size(), kept / (dense(0) + dense(1) + dense(2)), loss, initialLoss, r.test().accuracy());
    assertTrue(loss < 0.6 * initialLoss, which + ": test loss " + loss + " from " + initialLoss);
    assertTrue(r.test().accuracy() > 0.7, which + ": accuracy " + r.test().accuracy());
  }

  /** Stopping after step 137, copying network and optimizer state (a checkpoint) and resuming gives the same model. */
  @ParameterizedTest
  @ValueSource(strings = {"set", "rigl", "snfs", "granet", "nm"})
  void resumedRunDecidesTheSame(String name) {
    SparsityMethod m = SparsityMethods.create(SparsityConfig.builder().set("method", name).set("target", 0.8)
        .set("update_every", 20).build(), steps(), SIZES);
    TrainingPlan plan = plan(m);
    LocalTrainer trainer = new LocalTrainer(SPEC, plan);
    String straight = trainer.train(train, test, TrainingListener.NONE).fingerprint();
    Network net = SPEC.build(m, 42);
    OptimizerState opt = OptimizerState.create(plan.optimizer(), net);
    TrainingState first = new TrainingState(net, opt, m, plan.learningRate(steps()), 42, 137, 0, 0);
    trainer.continueTraining(first, train, test, TrainingListener.NONE);
    TrainingState resumed = new TrainingState(net.copy(), opt.copy(), m, plan.learningRate(steps()), 42, steps(), 137,
        first.maskVersion());
    assertEquals(straight, trainer.continueTraining(resumed, train, test, TrainingListener.NONE).fingerprint(), name);
  }

  private static long initialTotal(double[] d) {
    long n = 0;
    for (int l = 0; l < d.length; l++) {
      n += Init.nnzFor(d[l], SIZES[l], SIZES[l + 1]);
    }
    return n;
  }

  static void assertGroups(Layer layer, int n, int m) {
    int[] rp = layer.rowPtr();
    int[] ci = layer.colIdx();
    for (int r = 0; r < layer.outFeatures(); r++) {
      int[] count = new int[layer.inFeatures() / m];
      for (int k = rp[r]; k < rp[r + 1]; k++) {
        count[ci[k] / m]++;
      }
      for (int c : count) {
        assertEquals(n, c);
      }
    }
  }
}
