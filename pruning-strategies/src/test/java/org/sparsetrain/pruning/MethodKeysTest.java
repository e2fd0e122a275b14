package org.sparsetrain.pruning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.sparsetrain.pruning.criteria.GrowthCriteria;
import org.sparsetrain.pruning.criteria.PruneCriteria;
import org.sparsetrain.pruning.imp.ImpMethod;
import org.sparsetrain.pruning.imp.ImpPlan;
import org.sparsetrain.pruning.method.GraNet;
import org.sparsetrain.pruning.method.GradualTargets;
import org.sparsetrain.pruning.method.NmSparsity;
import org.sparsetrain.pruning.schedule.CosineDecay;
import org.sparsetrain.pruning.schedule.CubicSparsity;
import org.sparsetrain.pruning.schedule.UpdateSchedule;
import org.sparsetrain.training.LocalTrainer;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.optim.Sgd;
import org.sparsetrain.training.sparsity.Requirement;
import org.sparsetrain.training.sparsity.SparsityMethod;

/** Method-owned keys: who owns which, what a resolved config may hold, and that methods build exactly as before. */
class MethodKeysTest {
  /** Every key a resolved config has listed, in its order, since before methods owned their keys. */
  static final List<String> RESOLVED_ORDER = List.of("method", "target", "distribution", "erk_power_scale",
      "dense_first_layer", "update_every", "drop_fraction", "drop_schedule", "t_begin", "t_end", "prune", "growth",
      "grow_init", "redistribution", "drop_exponent", "initial_sparsity", "prune_begin", "prune_end",
      "regeneration_initial", "regeneration_final", "nm_n", "nm_m", "srste_lambda", "imp_phases", "imp_rewind_step",
      "imp_phase_steps", "layer_densities");

  /** A resolved sparsity section as an older release wrote it: every key of every method at its default. */
  static Map<String, Object> oldResolved(String method) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("method", method);
    m.put("target", 0.9);
    m.put("distribution", "erk");
    m.put("erk_power_scale", 1.0);
    m.put("dense_first_layer", false);
    m.put("update_every", 100);
    m.put("drop_fraction", 0.3);
    m.put("drop_schedule", "cosine");
    m.put("t_begin", 0);
    m.put("t_end", -1);
    m.put("prune", "");
    m.put("growth", "");
    m.put("grow_init", "zero");
    m.put("redistribution", "");
    m.put("drop_exponent", 1.0);
    m.put("initial_sparsity", 0.0);
    m.put("prune_begin", -1);
    m.put("prune_end", -1);
    m.put("regeneration_initial", 0.5);
    m.put("regeneration_final", 0.005);
    m.put("nm_n", 2);
    m.put("nm_m", 4);
    m.put("srste_lambda", 2.0E-4);
    m.put("imp_phases", 3);
    m.put("imp_rewind_step", 0);
    m.put("imp_phase_steps", -1);
    m.put("layer_densities", List.of());
    return m;
  }

  private static SparsityConfig build(Map<String, Object> values) {
    SparsityConfig.Builder b = SparsityConfig.builder();
    values.forEach(b::set);
    return b.build();
  }

  private static List<String> names(List<SparsityConfig.Key> keys) {
    return keys.stream().map(SparsityConfig.Key::name).toList();
  }

  @Test
  void eachMethodOwnsItsKeys() {
    assertEquals(List.of(), names(SparsityMethods.keys("set")));
    assertEquals(List.of(), names(SparsityMethods.keys("snfs")));
    assertEquals(List.of("initial_sparsity", "prune_begin", "prune_end"), names(SparsityMethods.keys("gmp")));
    assertEquals(List.of("initial_sparsity", "prune_begin", "prune_end"), names(SparsityMethods.keys("random")));
    assertEquals(List.of("initial_sparsity", "prune_begin", "prune_end", "regeneration_initial", "regeneration_final"),
        names(SparsityMethods.keys("granet")));
    assertEquals(List.of("nm_n", "nm_m", "srste_lambda"), names(SparsityMethods.keys("nm")));
    assertEquals(List.of("imp_phases", "imp_rewind_step", "imp_phase_steps"), names(SparsityMethods.keys("imp")));
    assertEquals(16, SparsityConfig.KEYS.size(), "common keys");
    for (SparsityConfig.Key k : SparsityConfig.allKeys()) {
      assertTrue(!k.doc().isBlank(), k.name() + " is documented");
    }
    assertEquals(Map.of("nm_n", 2, "nm_m", 4, "srste_lambda", 2e-4), SparsityConfig.builder().set("method", "nm").build().methodKeys());
  }

  @Test
  void resolvedConfigsListEveryKeyInTheirOldOrder() {
    List<String> all = names(SparsityConfig.allKeys());
    assertEquals(RESOLVED_ORDER, all.stream().filter(RESOLVED_ORDER::contains).toList());
    assertEquals(RESOLVED_ORDER, all, "no other method registered in this JVM");
  }

  @Test
  void oldResolvedConfigsOfEveryMethodStillLoad() {
    for (String method : SparsityMethods.known().split(", ")) {
      SparsityConfig c = build(oldResolved(method));
      assertEquals(method, c.method());
      assertEquals(names(SparsityMethods.keys(method)), List.copyOf(c.methodKeys().keySet()));
      SparsityMethods.create(c, 1000, new int[] {784, 300, 100, 12});
    }
    // a method's own keys away from their defaults, the others' at theirs: the run of an nm config
    Map<String, Object> nm = oldResolved("nm");
    nm.put("nm_n", 1);
    nm.put("srste_lambda", 1e-3);
    SparsityConfig c = build(nm);
    assertEquals(new NmSparsity(1, 4, 1e-3, new UpdateSchedule(100, 0, 750)), SparsityMethods.create(c, 1000));
    assertEquals(c, c.toBuilder().build());
  }

  @Test
  void aKeyOfAnotherMethodIsAnErrorUnlessAtItsDefault() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SparsityConfig.builder().set("method", "set").set("nm_n", 3).build());
    assertEquals("sparsity.nm_n is not a key of method 'set' (its keys: none; common keys: method, target, distribution,"
        + " erk_power_scale, dense_first_layer, update_every, drop_fraction, drop_schedule, t_begin, t_end, prune, growth,"
        + " grow_init, redistribution, drop_exponent, layer_densities); it is a key of nm", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> SparsityConfig.builder().set("method", "gmp").set("regeneration_initial", "0.3").build());
    assertTrue(e.getMessage().startsWith("sparsity.regeneration_initial is not a key of method 'gmp' (its keys: "
        + "initial_sparsity, prune_begin, prune_end; common keys: "), e.getMessage());
    assertTrue(e.getMessage().endsWith("it is a key of granet"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> SparsityConfig.builder().set("method", "set").set("initial_sparsity", 0.5).build());
    assertTrue(e.getMessage().endsWith("it is a key of granet, gmp, random"), e.getMessage());
    // an old resolved config with a user's value for another method's key: caught
    Map<String, Object> old = oldResolved("rigl");
    old.put("imp_phases", 5);
    e = assertThrows(IllegalArgumentException.class, () -> build(old));
    assertTrue(e.getMessage().startsWith("sparsity.imp_phases is not a key of method 'rigl'"), e.getMessage());
    // the same key at its default, in any spelling a config gives it, is what every resolved config holds
    assertEquals("set", SparsityConfig.builder().set("method", "set").set("nm_n", "2").set("srste_lambda", "2.0e-4")
        .set("imp_phase_steps", -1L).build().method());
    // unknown keys still list every known one
    e = assertThrows(IllegalArgumentException.class, () -> SparsityConfig.builder().set("nm_q", 1));
    assertTrue(e.getMessage().contains("unknown key sparsity.nm_q") && e.getMessage().contains("nm_n"), e.getMessage());
    // a method's own key checked by the method, naming it
    e = assertThrows(IllegalArgumentException.class,
        () -> SparsityMethods.create(SparsityConfig.builder().set("method", "granet").set("regeneration_final", 2).build(), 100));
    assertEquals("sparsity.regeneration_final must be in [0,1], got 2.0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> SparsityMethods.create(SparsityConfig.builder().set("method", "gmp").set("initial_sparsity", 0.95).build(), 100));
    assertEquals("sparsity.initial_sparsity must be in [0, target], got 0.95", e.getMessage());
  }

  @Test
  void methodsBuildTheSameObjectsAsBefore() {
    long steps = 1000;
    SparsityConfig g = SparsityConfig.builder().set("method", "granet").set("target", 0.8).set("update_every", 50)
        .set("initial_sparsity", 0.2).set("prune_begin", 10).set("prune_end", 500).set("regeneration_initial", 0.4)
        .set("regeneration_final", 0.01).build();
    assertEquals(new GraNet(new GradualTargets(SparsityMethods.distribution(g), new CubicSparsity(0.2, 0.8, 10, 500), 50),
        new UpdateSchedule(50, 0, 750), new CosineDecay(0.4, 0.01, 0, 750), PruneCriteria.named("global_magnitude"),
        GrowthCriteria.named("gradient"), SparsityMethods.growInit(g)), SparsityMethods.create(g, steps));
    SparsityConfig i = SparsityConfig.builder().set("method", "imp").set("target", 0.8).set("imp_phases", 2)
        .set("imp_rewind_step", 5).set("imp_phase_steps", 100).build();
    assertEquals(new ImpMethod(new ImpPlan(2, 0.8, 100, 5, PruneCriteria.named("global_magnitude")), 0),
        SparsityMethods.create(i, steps));
    assertEquals(new ImpMethod(new ImpPlan(3, 0.9, steps, 0, PruneCriteria.named("global_magnitude")), 0),
        SparsityMethods.create(SparsityConfig.builder().set("method", "imp").build(), steps));
  }

  /**
   * Each case trains 30 steps through the LocalTrainer; the fingerprints are those the registry gave
   * before methods owned their keys (same code path, same numbers, bit for bit).
   */
  @Test
  void methodsTrainBitIdenticallyToBefore() {
    Map<String, String> golden = new LinkedHashMap<>();
    golden.put("static", "0096ce09aac88680e1d97b10e5a88b6fbff26f3322fb6d23663c6912c176e49e");
    golden.put("set", "79532907d3e8ee6156d6cd21adcf6be0083c9c94a22b1193788dbf9a6e20ec64");
    golden.put("rigl", "db93b95d96c0632415f6984f8a19ea018c805eea84446094c938440c98eb8dfc");
    golden.put("snfs", "e0da6e5650198394376328bd260839726f2e823d366d2be45208b12d674a1c37");
    golden.put("snfs-plain", "0af99f52197b683221ea9a2deecfeb8dfb50335b48daa1773d0881dea23075a5");
    golden.put("granet", "eac3f3aa8a32546b06506106e5450a85b6b98037918693ca444d31fb2111a589");
    golden.put("gmp", "1710057b6f9762946ee90790ae8b54f554d370f16b8c752f8d95ab233fe948d0");
    golden.put("random", "271953c5dad934fd0c79a90f05ab747be37f1e1ac3ab4abced5b7cca617f958b");
    golden.put("nm", "364ac2ccc92db0f19ad45a21a7af1ad832cb0a664de88d99312cd5af403dc990");
    golden.put("imp", "6aff96b64491a5a967992812fe0deb8607ccc5dc8ccc9e4099123f9fed205ebd");
    golden.put("dense", "6aff96b64491a5a967992812fe0deb8607ccc5dc8ccc9e4099123f9fed205ebd");
    int[] sizes = {Synthetic.FEATURES, 32, 16, Synthetic.CLASSES};
    DataBlock train = Synthetic.block(0, 320, 1);
    DataBlock test = Synthetic.block(320, 64, 2);
    ModelSpec spec = new ModelSpec(sizes, Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY);
    long steps = 3 * (320 / 32);
    for (Object[] c : CASES) {
      SparsityConfig.Builder b = SparsityConfig.builder().set("method", ((String) c[0]).split("-")[0]).set("target", 0.8)
          .set("update_every", 5);
      for (int k = 1; k < c.length; k += 2) {
        b.set((String) c[k], c[k + 1]);
      }
      SparsityMethod m = SparsityMethods.create(b.build(), steps, sizes);
      String fingerprint = new LocalTrainer(spec, new TrainingPlan(3, 32, 42, new Sgd(0.9, false, 0, false), 0.05,
          "constant", 0, m)).train(train, test, TrainingListener.NONE).fingerprint();
      assertEquals(golden.get((String) c[0]), fingerprint, (String) c[0]);
    }
  }

    // each case: name, then key/value pairs (method keys set away from their defaults where the method has them)
    static final Object[][] CASES = {
      {"static"},
      {"set", "prune", "signed_magnitude"},
      {"rigl"},
      {"snfs"},
      {"snfs-plain", "redistribution", "none", "growth", "random"},
      {"granet", "initial_sparsity", 0.2, "prune_begin", 10L, "prune_end", 200L, "regeneration_initial", 0.4, "regeneration_final", 0.01},
      {"gmp", "initial_sparsity", 0.3, "prune_end", 150L},
      {"random", "prune_begin", 20L},
      {"nm", "nm_n", 1, "nm_m", 4, "srste_lambda", 1e-3},
      {"imp", "imp_phases", 2, "imp_rewind_step", 5L, "imp_phase_steps", 100L},
      {"dense"},
    };

  @Test
  void requirementsFollowWhatTheMethodReads() {
    assertEquals(Set.of(Requirement.OPTIMIZER_STATE_ON_DRIVER), create("method", "snfs").requirements());
    assertEquals(Set.of(Requirement.OPTIMIZER_STATE_ON_DRIVER),
        create("method", "snfs", "growth", "random").requirements(), "redistribution by momentum");
    assertEquals(Set.of(), create("method", "snfs", "growth", "random", "redistribution", "none").requirements());
    assertEquals(Set.of(Requirement.OPTIMIZER_STATE_ON_DRIVER), create("method", "set", "growth", "momentum").requirements());
    assertEquals(Set.of(Requirement.WHOLE_GROUPS_ON_DRIVER), create("method", "nm").requirements());
    for (String m : List.of("dense", "static", "set", "rigl", "granet", "gmp", "random", "imp")) {
      assertEquals(Set.of(), create("method", m).requirements(), m);
    }
  }

  private static SparsityMethod create(String... kv) {
    SparsityConfig.Builder b = SparsityConfig.builder();
    for (int k = 0; k < kv.length; k += 2) {
      b.set(kv[k], kv[k + 1]);
    }
    return SparsityMethods.create(b.build(), 1000);
  }
}
