package org.sparsetrain.training.spark.sharded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparsetrain.training.spark.sharded.ShardedTestSupport.SPEC;
import static org.sparsetrain.training.spark.sharded.ShardedTestSupport.assertIdentical;
import static org.sparsetrain.training.spark.sharded.ShardedTestSupport.data;
import static org.sparsetrain.training.spark.sharded.ShardedTestSupport.rdd;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sparsetrain.training.MaskUpdateReport;
import org.sparsetrain.training.StepReport;
import org.sparsetrain.training.TrainResult;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.optim.Adam;
import org.sparsetrain.training.optim.Optimizer;
import org.sparsetrain.training.optim.Sgd;
import org.sparsetrain.training.spark.SparkTrainer;
import org.sparsetrain.training.spark.SparkTrainerOptions;
import org.sparsetrain.training.sparsity.Requirement;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * The sharded mode against the driver mode ({@link SparkTrainer}) on {@code local[2,2]} with Kryo
 * registration required. Both compute each step's gradient from the same V virtual shards summed in
 * 2^-40 fixed point and apply the same elementwise optimizer, so there is no tolerance: masks,
 * values and biases must be bit-identical, for S = 2 and 3 shards and any data partitioning.
 */
@Timeout(value = 170, unit = TimeUnit.SECONDS)
class ShardedSparkTrainerTest {
  static SparkSession spark;
  static JavaSparkContext sc;
  static Path checkpointDir;

  static final DataBlock TRAIN = data(3, 0, 240);
  static final DataBlock TEST = data(4, 0, 60);

  @BeforeAll
  static void start() throws Exception {
    spark = SparkSession.builder().config(ShardedTestSupport.conf("local[2,2]", "ShardedSparkTrainerTest")).getOrCreate();
    sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    checkpointDir = Files.createTempDirectory("sharded-checkpoints");
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  static TrainingPlan plan(SparsityMethod m, Optimizer opt, int epochs) {
    return new TrainingPlan(epochs, 24, 11L, opt, 0.05, "cosine", 0, m);
  }

  static SparkTrainerOptions base() {
    return SparkTrainerOptions.DEFAULTS.withVirtualShards(5).withLogEvery(0).withRunName("sharded-test");
  }

  static ShardedOptions sharded(int s) {
    return ShardedOptions.DEFAULTS.withBase(base()).withShards(s).withCheckpointEvery(4)
        .withCheckpointDir(checkpointDir.toUri().toString());
  }

  static JavaRDD<DataBlock> test() {
    return rdd(sc, TEST, 20, 40);
  }

  static TrainResult driver(TrainingPlan plan, int... sizes) {
    return new SparkTrainer(spark, SPEC, plan, base()).train(rdd(sc, TRAIN, sizes), test(), null);
  }

  static TrainResult sharded(TrainingPlan plan, ShardedOptions o, TrainingListener l, int... sizes) {
    return new ShardedSparkTrainer(spark, SPEC, plan, o).train(rdd(sc, TRAIN, sizes), test(), l);
  }

  @Test
  void setLikeWithAdamIsBitIdenticalToDriverModeFor2And3Shards() {
    TrainingPlan plan = plan(new MagnitudeDropGrow(MagnitudeDropGrow.Grow.RANDOM, MagnitudeDropGrow.Drop.MAGNITUDE,
        3, 24, 0.4, 0.3), new Adam(0.9, 0.999, 1e-8, 1e-4, true), 3);
    TrainResult d = driver(plan, 240);
    List<StepReport> steps = new ArrayList<>();
    List<MaskUpdateReport> masks = new ArrayList<>();
    TrainResult s2 = sharded(plan, sharded(2), new TrainingListener() {
      @Override public void onStep(StepReport r) { steps.add(r); }
      @Override public void onMaskUpdate(MaskUpdateReport r) { masks.add(r); }
    }, 100, 140);
    // a low first guess of candidates forces extra candidate rounds: the decision must not change
    TrainResult s3 = sharded(plan, sharded(3).withCandidateFraction(0.02), null, 60, 90, 90);
    assertIdentical(d.network(), s2.network(), "driver vs sharded S=2");
    assertIdentical(d.network(), s3.network(), "driver vs sharded S=3");
    assertEquals(d.fingerprint(), s3.fingerprint());
    assertEquals(d.test(), s2.test(), "same evaluation");
    assertEquals(30, steps.size());
    assertEquals(8, masks.size(), "updates at 3, 6, ..., 24");
    assertTrue(masks.get(0).churn()[0] > 0, "the mask really changed");
    assertTrue(s2.test().accuracy() > 0.5, "learns: " + s2.test().accuracy());
    System.out.println("SET-like, Adam: sharded S=2/S=3 bit-identical to driver mode; test accuracy " + s2.test().accuracy());
  }

  @Test
  void rigLLikeGradientGrowthIsBitIdenticalToDriverMode() {
    TrainingPlan plan = plan(new MagnitudeDropGrow(MagnitudeDropGrow.Grow.GRADIENT, MagnitudeDropGrow.Drop.MAGNITUDE,
        4, 28, 0.35, 0.3), new Sgd(0.9, false, 1e-4, false), 3);
    TrainResult d = driver(plan, 120, 120);
    TrainResult s2 = sharded(plan, sharded(2).withCandidateFraction(0.05), null, 240);
    TrainResult s3 = sharded(plan, sharded(3), null, 80, 80, 80);
    assertIdentical(d.network(), s2.network(), "driver vs sharded S=2 (RigL-like)");
    assertIdentical(d.network(), s3.network(), "driver vs sharded S=3 (RigL-like)");
    TrainingPlan staticPlan = plan(new MagnitudeDropGrow(MagnitudeDropGrow.Grow.GRADIENT,
        MagnitudeDropGrow.Drop.MAGNITUDE, 4, 0, 0.35, 0.3), new Sgd(0.9, false, 1e-4, false), 3);
    assertNotEquals(s2.fingerprint(), sharded(staticPlan, sharded(2), null, 240).fingerprint(),
        "mask updates make a difference (the comparison above is not vacuous)");
  }

  @Test
  void aRetriedTaskChangesNothingAndLineageIsCheckpointed() {
    TrainingPlan plan = plan(new MagnitudeDropGrow(MagnitudeDropGrow.Grow.GRADIENT, MagnitudeDropGrow.Drop.MAGNITUDE,
        4, 8, 0.4, 0.3), new Adam(0.9, 0.999, 1e-8, 0, false), 1);
    ShardedSparkTrainer clean = new ShardedSparkTrainer(spark, SPEC, plan, sharded(2));
    TrainResult a = clean.train(rdd(sc, TRAIN, 120, 120), test(), null);
    List<StepReport> steps = new ArrayList<>();
    TrainResult b = new ShardedSparkTrainer(spark, SPEC, plan, sharded(2).withBase(base().withFailOnceAtStep(4)))
        .train(rdd(sc, TRAIN, 120, 120), test(), new TrainingListener() {
          @Override public void onStep(StepReport r) { steps.add(r); }
        });
    assertIdentical(a.network(), b.network(), "with a failed task at the mask-update step 4");
    assertEquals(10, steps.size());
    // checkpoints: the initial shards and steps 4, 8 (every 4 of 10 steps), in the reliable directory
    assertEquals(8, clean.checkpoints(), "last checkpointed step");
    List<String> files = clean.checkpointFiles();
    assertEquals(3, files.size(), "checkpoint files: " + files);
    for (String f : files) {
      File dir = new File(java.net.URI.create(f));
      assertTrue(dir.toPath().startsWith(checkpointDir), f + " is under " + checkpointDir);
      assertTrue(dir.isDirectory() && dir.list().length > 0, "checkpoint written: " + f);
    }
  }

  @Test
  void methodsThatAreNotMagnitudeDropAreRejected() {
    TrainingPlan randomDrop = plan(new MagnitudeDropGrow(MagnitudeDropGrow.Grow.RANDOM, MagnitudeDropGrow.Drop.RANDOM,
        2, 8, 0.4, 0.3), new Sgd(0.9, false, 0, false), 1);
    UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
        () -> sharded(randomDrop, sharded(2), null, 240));
    assertTrue(e.getMessage().contains("magnitude") && e.getMessage().contains("distribution.mode=driver"), e.getMessage());
    SparsityMethod snfs = new MagnitudeDropGrow(MagnitudeDropGrow.Grow.RANDOM, MagnitudeDropGrow.Drop.MAGNITUDE,
        2, 8, 0.4, 0.3) {
      @Override public String name() { return "snfs"; }
      // refused for what it needs (the optimizer state on the driver), not for its name
      @Override public java.util.Set<Requirement> requirements() { return java.util.Set.of(Requirement.OPTIMIZER_STATE_ON_DRIVER); }
    };
    UnsupportedOperationException e2 = assertThrows(UnsupportedOperationException.class,
        () -> new ShardedSparkTrainer(spark, SPEC, plan(snfs, new Sgd(0.9, false, 0, false), 1), sharded(2)));
    assertTrue(e2.getMessage().contains("momentum"), e2.getMessage());
    assertFalse(sc.sc().getPersistentRDDs().size() > 0, "a failed run unpersists what it cached: "
        + sc.sc().getPersistentRDDs());
  }
}
