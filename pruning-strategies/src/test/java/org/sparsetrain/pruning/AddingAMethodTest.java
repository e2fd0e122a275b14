package org.sparsetrain.pruning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparsetrain.pruning.method.MagnitudeOnly;
import org.sparsetrain.training.LocalTrainer;
import org.sparsetrain.training.MaskUpdateReport;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.TrainResult;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.Init;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.optim.Sgd;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * The recipe of pruning-strategies/README.md, "Adding a sparsity method": one file
 * ({@link MagnitudeOnly}, with its key {@code my_key}), one registry line, and the method trains,
 * its key set the way a job sets it ({@code --set sparsity.my_key=0.25} hands the builder strings).
 */
class AddingAMethodTest {
  static final int[] SIZES = {Synthetic.FEATURES, 32, 16, Synthetic.CLASSES};

  @BeforeAll
  static void register() {
    SparsityMethods.register("magnitude_only", MagnitudeOnly.KEYS, MagnitudeOnly::create);   // the one registry line
  }

  @AfterAll
  static void unregister() {
    SparsityMethods.unregister("magnitude_only");
  }

  private static SparsityConfig.Builder config(String... kv) {
    SparsityConfig.Builder b = SparsityConfig.builder();
    for (int i = 0; i < kv.length; i += 2) {
      b.set(kv[i], kv[i + 1]);   // strings, as --set sparsity.KEY=VALUE gives them
    }
    return b;
  }

  @Test
  void aMethodWithOneKeyIsOneFileAndOneRegistryLine() {
    SparsityConfig c = config("sparsity.method", "magnitude_only", "sparsity.my_key", "0.25", "sparsity.target", "0.5",
        "sparsity.update_every", "10", "sparsity.t_end", "30").build();
    assertEquals(0.25, c.getDouble("my_key"));
    assertTrue(SparsityConfig.allKeys().contains(MagnitudeOnly.MY_KEY), "a config may hold sparsity.my_key");
    assertEquals("layer_densities", SparsityConfig.allKeys().get(SparsityConfig.allKeys().size() - 1).name());
    long steps = 4 * (320 / 32);
    SparsityMethod m = SparsityMethods.create(c, steps, SIZES);
    assertEquals(new MagnitudeOnly(SparsityMethods.distribution(c), 0.5, SparsityMethods.schedule(c, steps), 0.25), m);

    List<MaskUpdateReport> updates = new ArrayList<>();
    TrainResult r = new LocalTrainer(new ModelSpec(SIZES, Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY),
        new TrainingPlan(4, 32, 42, new Sgd(0.9, false, 0, false), 0.05, "constant", 0, m))
        .train(Synthetic.block(0, 320, 1), Synthetic.block(320, 64, 2), new TrainingListener() {
          @Override public void onMaskUpdate(MaskUpdateReport u) { updates.add(u); }
        });
    assertEquals(steps, r.steps());
    assertEquals(List.of(10L, 20L, 30L), updates.stream().map(MaskUpdateReport::step).toList());
    double[] initial = m.initialDensities(SIZES);
    for (int l = 0; l + 1 < SIZES.length; l++) {
      long nnz = Init.nnzFor(initial[l], SIZES[l], SIZES[l + 1]);
      if (initial[l] < 1) {
        for (int u = 0; u < 3; u++) {
          nnz -= (long) Math.floor(nnz * 0.25);   // each update drops ⌊nnz·my_key⌋ of every sparse layer
        }
      }
      assertEquals(nnz, r.network().layer(l).nnz(), "layer " + l);
    }
  }

  @Test
  void itsKeyIsCheckedAndBelongsToItAlone() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SparsityMethods.create(config("method", "magnitude_only", "my_key", "1.5").build(), 100));
    assertEquals("sparsity.my_key must be in [0,1), got 1.5", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> config("method", "set", "my_key", "0.2").build());
    assertTrue(e.getMessage().startsWith("sparsity.my_key is not a key of method 'set' (its keys: none; common keys: method, "),
        e.getMessage());
    assertTrue(e.getMessage().endsWith("it is a key of magnitude_only"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> config("method", "magnitude_only", "nm_n", "1").build());
    assertTrue(e.getMessage().startsWith("sparsity.nm_n is not a key of method 'magnitude_only' (its keys: my_key; common keys: "),
        e.getMessage());
    // at its default, as a resolved config lists it, it is no one's mistake
    assertEquals("set", config("method", "set", "my_key", "0.1").build().method());
  }
}
