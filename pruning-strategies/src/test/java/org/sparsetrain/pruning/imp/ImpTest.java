package org.sparsetrain.pruning.imp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparsetrain.pruning.SparsityConfig;
import org.sparsetrain.pruning.SparsityMethods;
import org.sparsetrain.pruning.Synthetic;
import org.sparsetrain.pruning.TestContext;
import org.sparsetrain.pruning.criteria.PruneCriteria;
import org.sparsetrain.training.Evaluation;
import org.sparsetrain.training.LocalTrainer;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.SparseLinear;
import org.sparsetrain.training.optim.Sgd;
import org.sparsetrain.training.sparsity.MaskApplier;

class ImpTest {
  @Test
  void phaseDensitiesFollowTheGeometricPlan() {
    ImpPlan p = new ImpPlan(3, 0.875, 100, 10, PruneCriteria.named("global_magnitude"));
    assertEquals(0.5, p.pruneFraction(), 1e-12);
    assertEquals(1.0, p.density(0), 0);
    assertEquals(0.5, p.density(1), 1e-12);
    assertEquals(0.25, p.density(2), 1e-12);
    assertEquals(0.125, p.density(3), 1e-15);
    assertEquals(100 + 3 * 90, p.totalSteps());
    assertThrows(IllegalArgumentException.class, () -> new ImpPlan(3, 0.9, 100, 100, PruneCriteria.named("magnitude")));
  }

  @Test
  void pruneByGlobalMagnitudeAndRewindToTheSnapshot() {
    SparseLinear a = SparseLinear.fromDense(2, 2, new float[] {0.9f, -0.1f, 0.4f, 0.05f}, new float[] {1, 2});
    SparseLinear b = SparseLinear.fromDense(2, 1, new float[] {-0.3f, 0.2f}, new float[] {3});
    Network trained = new Network(List.of(a, b), Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY);
    Network snapshot = new Network(List.of(
        SparseLinear.fromDense(2, 2, new float[] {1, 2, 3, 4}, new float[] {5, 6}),
        SparseLinear.fromDense(2, 1, new float[] {7, 8}, new float[] {9})), Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY);
    ImpPlan p = new ImpPlan(1, 0.5, 10, 0, PruneCriteria.named("global_magnitude"));
    // 6 weights at density 0.5 keep 3: 0.9, 0.4, −0.3; drops 0.05, −0.1, 0.2
    MaskApplier.apply(trained, null, p.prune(trained, 1));
    assertEquals(3, trained.nnz());
    Network rewound = ImpPlan.rewind(trained, snapshot);
    assertArrayEquals(new float[] {1, 0, 3, 0}, ((SparseLinear) rewound.layer(0)).toDense());
    assertArrayEquals(new float[] {7, 0}, ((SparseLinear) rewound.layer(1)).toDense());
    assertArrayEquals(new float[] {5, 6}, rewound.layer(0).bias());
    // a snapshot lacking a kept position cannot be rewound to
    Network sparseSnap = new Network(List.of(
        TestContext.oneLayer(2, 2, new int[] {0, 1, 1}, new int[] {1}, new float[] {1}).layer(0), snapshot.layer(1)),
        Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY);
    assertThrows(IllegalArgumentException.class, () -> ImpPlan.rewind(trained, sparseSnap));
  }

  @Test
  void runnerPrunesRewindsAndRetrainsThroughTheLocalTrainer() {
    int[] sizes = {Synthetic.FEATURES, 32, 16, Synthetic.CLASSES};
    ModelSpec spec = new ModelSpec(sizes, Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY);
    DataBlock train = Synthetic.block(0, 800, 1);
    DataBlock test = Synthetic.block(800, 400, 2);
    SparsityConfig c = SparsityConfig.builder().set("method", "imp").set("target", 0.8).set("imp_phases", 2)
        .set("imp_rewind_step", 25).build();
    ImpMethod m = (ImpMethod) SparsityMethods.create(c, 150, sizes);
    TrainingPlan plan = new TrainingPlan(6, 32, 42, new Sgd(0.9, false, 0, false), 0.05, "constant", 0, m);
    LocalTrainer local = new LocalTrainer(spec, plan);
    double initialLoss = Evaluation.of(spec.build(m, 42), test).meanLoss();
    List<Long> nnz = new ArrayList<>();
    List<Double> loss = new ArrayList<>();
    List<Network> atRewind = new ArrayList<>();
    List<long[]> starts = new ArrayList<>();
    ImpRunner.PhaseTrainer trainer = s -> {
      starts.add(new long[] {s.step(), s.totalSteps()});
      if (starts.size() >= 3) {
        // every retraining phase starts from the weights of step 25 at the kept positions, with zero state
        float[] now = ((SparseLinear) s.network().layer(0)).toDense();
        float[] then = ((SparseLinear) atRewind.get(0).layer(0)).toDense();
        for (int i = 0; i < now.length; i++) {
          assertTrue(now[i] == 0 || now[i] == then[i], "position " + i);
        }
        assertEquals(0f, s.optimizer().weightSlot(0, 0)[0]);
      }
      var r = local.continueTraining(s, train, test, TrainingListener.NONE);
      if (starts.size() == 1) {
        atRewind.add(s.network().copy());
      }
      return r;
    };
    Network last = ImpRunner.run(m, spec, plan, trainer,
        (phase, net, result) -> {
          nnz.add(net.nnz());
          loss.add(result.test().meanLoss());
          assertEquals(150, result.steps());
        });
    long total = 20 * 32 + 32 * 16 + 16 * 3;
    assertEquals(List.of(total, Math.round(Math.sqrt(0.2) * total), Math.round(0.2 * total)), nnz);
    assertEquals(Math.round(0.2 * total), last.nnz());
    assertArrayEquals(new long[] {0, 25}, starts.get(0));
    assertArrayEquals(new long[] {25, 150}, starts.get(1));
    assertArrayEquals(new long[] {25, 150}, starts.get(2));
    assertEquals(4, starts.size());
    for (double l : loss) {
      assertTrue(l < 0.6 * initialLoss, "phase losses " + loss + " from " + initialLoss);
    }
    for (int l = 0; l < last.layerCount(); l++) {
      Layer layer = last.layer(l);
      assertTrue(layer.nnz() > 0, "layer " + l + " pruned away");
    }
  }
}
