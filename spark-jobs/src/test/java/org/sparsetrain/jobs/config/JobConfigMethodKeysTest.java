package org.sparsetrain.jobs.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsetrain.pruning.SparsityConfig;
import org.sparsetrain.pruning.SparsityMethods;
import org.sparsetrain.pruning.criteria.PruneCriteria;
import org.sparsetrain.pruning.distribution.SparsityDistribution;
import org.sparsetrain.pruning.method.NmSparsity;
import org.sparsetrain.pruning.schedule.UpdateSchedule;
import org.sparsetrain.training.LocalTrainer;
import org.sparsetrain.training.TrainResult;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.sparsity.LayerChange;
import org.sparsetrain.training.sparsity.MaskDecision;
import org.sparsetrain.training.sparsity.MaskUpdateContext;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * Method-owned sparsity keys through the job's config path: YAML, {@code --set}, resolved configs
 * of older runs, and a method registered at run time whose key {@code --set} reaches.
 */
class JobConfigMethodKeysTest {
  @TempDir Path dir;

  /** A method with one key of its own, registered by the test: each update drops ⌊nnz·my_key⌋ smallest |w| per sparse layer. */
  record Shrink(SparsityDistribution distribution, double sparsity, UpdateSchedule schedule, double fraction)
      implements SparsityMethod {
    static final SparsityConfig.Key MY_KEY = new SparsityConfig.Key("my_key", 0.1, "shrink: fraction dropped at an update");

    static Shrink create(SparsityConfig c, long totalSteps) {
      double f = c.getDouble(MY_KEY.name());
      if (!(f >= 0 && f < 1)) {
        throw new IllegalArgumentException("sparsity.my_key must be in [0,1), got " + f);
      }
      return new Shrink(SparsityMethods.distribution(c), c.target(), SparsityMethods.schedule(c, totalSteps), f);
    }

    @Override public String name() { return "shrink"; }
    @Override public double[] initialDensities(int[] sizes) { return distribution.densities(sizes, sparsity); }
    @Override public boolean updatesAt(long t) { return schedule.updatesAt(t); }

    @Override
    public MaskDecision decide(long t, MaskUpdateContext ctx) {
      Network net = ctx.network();
      int[] counts = new int[net.layerCount()];
      boolean[] eligible = new boolean[counts.length];
      for (int l = 0; l < counts.length; l++) {
        Layer layer = net.layer(l);
        eligible[l] = layer.isSparse() && layer.nnz() > 0 && layer.density() < 1.0;
        counts[l] = eligible[l] ? (int) Math.floor(layer.nnz() * fraction) : 0;
      }
      int[][] drops = PruneCriteria.named("magnitude").select(net, counts, eligible, ctx.seed(), t);
      LayerChange[] changes = new LayerChange[counts.length];
      for (int l = 0; l < counts.length; l++) {
        changes[l] = drops[l].length == 0 ? null : new LayerChange(drops[l], new long[0]);
      }
      return new MaskDecision(changes);
    }
  }

  @BeforeAll
  static void register() {
    SparsityMethods.register("shrink", List.of(Shrink.MY_KEY), Shrink::create);
  }

  @AfterAll
  static void unregister() {
    SparsityMethods.unregister("shrink");
  }

  private String file(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p.toString();
  }

  /** config.yaml of an N:M run (nm_n: 1) as written before methods owned their keys: every key of every method. */
  private static String oldResolvedNm() throws IOException {
    try (InputStream in = JobConfigMethodKeysTest.class.getResourceAsStream("old-resolved-nm-config.yaml")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void anOldRunsResolvedConfigLoadsAndReadsAsTheSameRun() throws IOException {
    String old = oldResolvedNm();
    String f = file("config.yaml", old);
    // Without the method registered here the resolved text is the same, byte for byte, so a re-run recognises its own checkpoints
    SparsityMethods.unregister("shrink");
    try {
      JobConfig c = JobConfig.load(f, List.of());
      assertEquals(old, c.toYaml());
      assertEquals(new NmSparsity(1, 4, 2e-4, new UpdateSchedule(100, 0, 750)), TrainSetup.method(c, 1000));
      // the same file for every other method, other methods' keys at their defaults: loads
      for (String m : SparsityMethods.known().split(", ")) {
        String text = old.replace("  method: nm\n", "  method: " + m + "\n").replace("  nm_n: 1\n", "  nm_n: 2\n");
        JobConfig other = JobConfig.load(file(m + ".yaml", text), List.of());
        assertEquals(m, TrainSetup.method(other, 1000).name());
      }
      // but nm_n: 1 is not a key of set: evaluate --run … --set sparsity.method=set says so, blaming the file
      ConfigException e = assertThrows(ConfigException.class,
          () -> TrainSetup.method(JobConfig.load(f, List.of("sparsity.method=set")), 1000));
      assertTrue(e.getMessage().startsWith(f + ": sparsity.nm_n is not a key of method 'set' (its keys: none; common keys: "),
          e.getMessage());
    } finally {
      register();
    }
  }

  @Test
  void aKeyOfAnotherMethodIsAnErrorNamingKeyMethodAndKeys() throws IOException {
    ConfigException e = assertThrows(ConfigException.class,
        () -> TrainSetup.validate(JobConfig.load(null, List.of("sparsity.method=set", "sparsity.nm_n=3"))));
    assertTrue(e.getMessage().startsWith("--set sparsity.nm_n=3: sparsity.nm_n is not a key of method 'set' (its keys: none;"
        + " common keys: method, target, distribution, "), e.getMessage());
    assertTrue(e.getMessage().endsWith("; it is a key of nm"), e.getMessage());
    String f = file("c.yaml", "sparsity:\n  method: gmp\n  regeneration_initial: 0.3\n");
    e = assertThrows(ConfigException.class, () -> TrainSetup.validate(JobConfig.load(f, List.of())));
    assertTrue(e.getMessage().startsWith(f + ": sparsity.regeneration_initial is not a key of method 'gmp' (its keys:"
        + " initial_sparsity, prune_begin, prune_end; common keys: "), e.getMessage());
    e = assertThrows(ConfigException.class, () -> TrainSetup.validate(
        JobConfig.load(null, List.of("sparsity.method=rigl", "sparsity.my_key=0.3"))));
    assertTrue(e.getMessage().contains("sparsity.my_key is not a key of method 'rigl'") && e.getMessage().endsWith("shrink"),
        e.getMessage());
    // a method's own key out of range: the method says so, blamed on where the value came from
    e = assertThrows(ConfigException.class, () -> TrainSetup.validate(
        JobConfig.load(null, List.of("sparsity.method=granet", "sparsity.regeneration_final=2"))));
    assertEquals("--set sparsity.regeneration_final=2: sparsity.regeneration_final must be in [0,1], got 2.0", e.getMessage());
    // another method's key at its default (as every resolved config lists it) changes nothing
    TrainSetup.validate(JobConfig.load(null, List.of("sparsity.method=set", "sparsity.nm_n=2")));
  }

  @Test
  void aMethodRegisteredAtRunTimeTakesItsKeyFromSetAndTrains() throws IOException {
    JobConfig c = JobConfig.load(null, List.of("sparsity.method=shrink", "sparsity.my_key=0.25", "sparsity.target=0.5",
        "sparsity.distribution=uniform", "sparsity.update_every=5", "sparsity.t_end=15", "model.layers=[20, 16, 3]", "training.epochs=2",
        "training.batch_size=32", "optimizer.lr_schedule=constant"));
    assertTrue(c.toYaml().contains("  my_key: 0.25\n"), c.toYaml());
    assertEquals("shrink: fraction dropped at an update", ConfigKeys.get("sparsity.my_key").doc());
    TrainSetup.validate(c);
    long steps = 2 * (320 / 32);
    TrainingPlan plan = TrainSetup.plan(c, steps);
    assertEquals(0.25, ((Shrink) plan.method()).fraction());
    TrainResult r = new LocalTrainer(TrainSetup.model(c), plan).train(block(0, 320, 1), block(320, 64, 2), TrainingListener.NONE);
    assertEquals(steps, r.steps());
    double[] initial = plan.method().initialDensities(new int[] {20, 16, 3});
    long nnz = org.sparsetrain.training.nn.Init.nnzFor(initial[0], 20, 16);
    for (int u = 0; u < 3; u++) {   // updates at steps 5, 10, 15
      nnz -= (long) Math.floor(nnz * 0.25);
    }
    assertEquals(nnz, r.network().layer(0).nnz());
    ConfigException e = assertThrows(ConfigException.class, () -> TrainSetup.validate(
        JobConfig.load(null, List.of("sparsity.method=shrink", "sparsity.my_key=2"))));
    assertEquals("--set sparsity.my_key=2: sparsity.my_key must be in [0,1), got 2.0", e.getMessage());
  }

  private static DataBlock block(long first, int rows, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[rows * 20];
    int[] y = new int[rows];
    for (int i = 0; i < rows; i++) {
      for (int f = 0; f < 20; f++) {
        x[i * 20 + f] = (float) r.nextGaussian();
      }
      y[i] = x[i * 20] > 0 ? (x[i * 20 + 1] > 0 ? 2 : 1) : 0;
    }
    return DataBlock.dense(first, 20, x, y);
  }
}
