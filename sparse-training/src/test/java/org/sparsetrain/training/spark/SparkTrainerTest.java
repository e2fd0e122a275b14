package org.sparsetrain.training.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparsetrain.training.spark.SparkTestSupport.SPEC;
import static org.sparsetrain.training.spark.SparkTestSupport.assertSameModel;
import static org.sparsetrain.training.spark.SparkTestSupport.data;
import static org.sparsetrain.training.spark.SparkTestSupport.options;
import static org.sparsetrain.training.spark.SparkTestSupport.plan;
import static org.sparsetrain.training.spark.SparkTestSupport.rdd;
import static org.sparsetrain.training.spark.SparkTestSupport.split;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sparsetrain.training.CompletedStep;
import org.sparsetrain.training.EpochReport;
import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.checkpoint.Checkpoint;
import org.sparsetrain.training.checkpoint.CheckpointMeta;
import org.sparsetrain.training.checkpoint.RestoredCheckpoint;
import org.sparsetrain.training.LocalTrainer;
import org.sparsetrain.training.MaskUpdateReport;
import org.sparsetrain.training.StepReport;
import org.sparsetrain.training.TrainResult;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.optim.Adam;

/**
 * SparkTrainer on {@code local[2,2]} (two task threads, a task may fail once) with Kryo
 * registration required, against the single-JVM {@link LocalTrainer} on the same data and plan.
 *
 * <p>Tolerance: the SparkTrainer sums V=6 micro-batch gradients in 2^-40 fixed point, the
 * LocalTrainer sums the whole batch in one float pass, so each step's gradient differs by float
 * rounding (relative ~1e-7); over 30 steps of momentum SGD we measured at most 1.2e-7 (one float ulp) on weights of size
 * ~0.5. We allow 1e-5 (80x the measurement, far below any real bug) and print the measured difference. Between SparkTrainer runs with different
 * partition counts there is no tolerance: the fingerprints must be equal.
 */
@Timeout(value = 170, unit = TimeUnit.SECONDS)
class SparkTrainerTest {
  static final double TOL = 1e-5;
  static SparkSession spark;
  static JavaSparkContext sc;
  static final List<String> descriptions = new ArrayList<>();

  static final DataBlock TRAIN = data(1, 0, 200);
  static final DataBlock TEST = data(2, 0, 60);

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().config(SparkTestSupport.conf("local[2,2]", "SparkTrainerTest")).getOrCreate();
    sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    SparkTestSupport.recordJobDescriptions(sc.sc(), descriptions);
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  static JavaRDD<DataBlock> test() {
    return rdd(sc, split(TEST, 25, 35));
  }

  static TrainResult spark(TrainingPlan plan, SparkTrainerOptions o, TrainingListener l, int... sizes) {
    return new SparkTrainer(spark, SPEC, plan, o).train(rdd(sc, split(TRAIN, sizes)), test(), l);
  }

  @Test
  void partitionCountDoesNotChangeABitAndMatchesLocalTrainer() {
    TrainingPlan plan = plan(new DropGrowMethod(false, 4, 20, 0.5));
    TrainResult local = new LocalTrainer(SPEC, plan).train(TRAIN, TEST, TrainingListener.NONE);
    TrainResult p1 = spark(plan, options(6), null, 200);
    TrainResult p2 = spark(plan, options(6), null, 120, 80);
    TrainResult p3 = spark(plan, options(6), null, 50, 90, 60);
    TrainResult gap = spark(plan, options(6), null, 100, 0, 100);
    assertEquals(p1.fingerprint(), p2.fingerprint(), "1 vs 2 partitions");
    assertEquals(p1.fingerprint(), p3.fingerprint(), "1 vs 3 partitions");
    assertEquals(p1.fingerprint(), gap.fingerprint(), "with an empty partition");
    assertEquals(30, p3.steps());
    double d = assertSameModel(local.network(), p3.network(), TOL, "LocalTrainer vs SparkTrainer");
    System.out.println("SET-like: largest |LocalTrainer - SparkTrainer| value difference = " + d);
    assertEquals(local.test().correct(), p3.test().correct(), 1, "test accuracy");
    assertEquals(local.test().meanLoss(), p3.test().meanLoss(), 1e-3);
    assertTrue(p3.test().accuracy() > 0.6, "learns something: " + p3.test().accuracy());
  }

  @Test
  void gradientGrowthMatchesLocalTrainerAndIsExactAcrossPartitions() {
    TrainingPlan plan = plan(new DropGrowMethod(true, 4, 20, 0.5));
    TrainResult local = new LocalTrainer(SPEC, plan).train(TRAIN, TEST, TrainingListener.NONE);
    TrainResult p1 = spark(plan, options(6).withDenseBlockFloats(50), null, 200);
    TrainResult p3 = spark(plan, options(6), null, 70, 60, 70);
    assertEquals(p1.fingerprint(), p3.fingerprint(), "block size and partition count change nothing");
    double d = assertSameModel(local.network(), p3.network(), TOL, "LocalTrainer vs SparkTrainer (RigL-like)");
    System.out.println("RigL-like: largest |LocalTrainer - SparkTrainer| value difference = " + d);
  }

  @Test
  void growthThatReadsOnlyTheLargestGetsOnlyThoseAndDecidesTheSame() {
    DropGrowMethod all = new DropGrowMethod(true, 4, 20, 0.5);
    DropGrowMethod largest = new DropGrowMethod(true, 4, 20, 0.5, true);
    TrainResult a = spark(plan(all), options(6), null, 70, 60, 70);
    TrainResult b = spark(plan(largest), options(6), null, 70, 60, 70);
    assertEquals(a.fingerprint(), b.fingerprint(), "the same masks and values");
    assertEquals(all.seen.size(), largest.seen.size());
    for (int i = 0; i < all.seen.size(); i++) {
      DropGrowMethod.Seen s = all.seen.get(i);
      DropGrowMethod.Seen c = largest.seen.get(i);
      org.junit.jupiter.api.Assertions.assertArrayEquals(s.grown, c.grown);
      int n = s.grown.length;
      assertTrue(c.positions.length < s.positions.length,
          "streamed " + c.positions.length + " of " + s.positions.length + " (step " + s.step + " layer " + s.layer + ")");
      assertTrue(c.positions.length >= n);
      for (int j = 1; j < c.positions.length; j++) {
        assertTrue(c.positions[j - 1] < c.positions[j], "ascending positions");
      }
      for (int j = 0; j < c.positions.length; j++) {   // each streamed value is the position's own gradient
        int k = java.util.Arrays.binarySearch(s.positions, c.positions[j]);
        assertTrue(k >= 0);
        assertEquals(Float.floatToIntBits(s.gradient[k]), Float.floatToIntBits(c.gradient[j]));
      }
    }
  }

  @Test
  void distributedGrowthPicksTheTopKOfTheSummedDenseGradient() {
    DropGrowMethod method = new DropGrowMethod(true, 4, 8, 0.4);
    TrainingPlan plan = plan(method).withEpochs(1);
    spark(plan, options(6).withDenseBlockFloats(50), null, 50, 90, 60);
    assertEquals(2 * 2, method.seen.size(), "updates at steps 4 and 8 x 2 sparse layers");
    for (DropGrowMethod.Seen s : method.seen) {
      // brute force on the driver: the whole global batch in one pass, the full dense gradient of the layer
      org.sparsetrain.training.data.BatchSampler sampler =
          new org.sparsetrain.training.data.BatchSampler(TRAIN.rows(), plan.batchSize(), plan.seed());
      int b = plan.batchSize();
      int[] rows = new int[b];
      int n = sampler.localRows(s.step, 0, TRAIN.rows(), rows);
      float[] x = new float[TRAIN.features() * b];
      int[] y = new int[b];
      TRAIN.gather(rows, 0, n, x, y, 0);
      org.sparsetrain.training.nn.Network net = s.before;
      org.sparsetrain.training.nn.Network.Workspace ws = net.workspace(b);
      net.accumulateGradient(x, n, y, 0, 1f / n, new float[net.layout().size()], net.layout(), ws);
      org.sparsetrain.training.nn.Layer layer = net.layer(s.layer);
      int in = layer.inFeatures();
      float[] dense = new float[in * layer.outFeatures()];
      denseGradientRows(ws.input(s.layer), ws.delta(s.layer), n, in, 0,
          layer.outFeatures(), dense);
      long inactive = (long) in * layer.outFeatures() - layer.nnz();
      assertEquals(inactive, s.positions.length, "every inactive position streamed once");
      assertTrue(s.blocks > 1, "row blocks: " + s.blocks);
      assertTrue(s.largestBlock <= 50, "a block holds at most denseBlockFloats values: " + s.largestBlock);
      float[] brute = new float[s.positions.length];
      double maxDiff = 0;
      for (int i = 0; i < brute.length; i++) {
        brute[i] = dense[(int) s.positions[i]];
        maxDiff = Math.max(maxDiff, Math.abs(brute[i] - s.gradient[i]));
        if (i > 0) {
          assertTrue(s.positions[i] > s.positions[i - 1], "ascending positions");
        }
      }
      assertTrue(maxDiff < 1e-6, "distributed vs brute-force dense gradient: " + maxDiff);
      int k = s.grown.length;
      long[] expected = DropGrowMethod.topK(s.positions, brute, k);
      // the comparison is meaningful only if the k-th and (k+1)-th |g| are further apart than the rounding
      float[] mags = new float[brute.length];
      for (int i = 0; i < mags.length; i++) {
        mags[i] = -Math.abs(brute[i]);
      }
      java.util.Arrays.sort(mags);
      assertTrue(-mags[k - 1] - -mags[k] > 2 * maxDiff, "no near-tie at the top-k boundary (step " + s.step + ")");
      org.junit.jupiter.api.Assertions.assertArrayEquals(expected, s.grown, "top-k of step " + s.step + " layer " + s.layer);
    }
  }

  @Test
  void aFailedTaskChangesNothing() {
    TrainingPlan plan = plan(new DropGrowMethod(true, 4, 20, 0.5)).withEpochs(1);
    TrainResult clean = spark(plan, options(6), null, 70, 60, 70);
    List<StepReport> steps = new ArrayList<>();
    TrainResult failed = spark(plan, options(6).withFailOnceAtStep(4), new TrainingListener() {
      @Override
      public void onStep(StepReport r) {
        steps.add(r);
      }
    }, 70, 60, 70);
    assertEquals(clean.fingerprint(), failed.fingerprint());
    assertEquals(10, steps.size());
  }

  @Test
  void localSgdWithOnePartitionIsPlainSgd() {
    TrainingPlan plan = plan(new DropGrowMethod(false, 4, 20, 0.5), new Adam(0.9, 0.999, 1e-8, 0, false)).withEpochs(2);
    TrainResult local = new LocalTrainer(SPEC, plan).train(TRAIN, TEST, TrainingListener.NONE);
    List<StepReport> steps = new ArrayList<>();
    List<MaskUpdateReport> masks = new ArrayList<>();
    TrainResult k3 = spark(plan, options(6).withLocalSteps(3), new TrainingListener() {
      @Override public void onStep(StepReport r) { steps.add(r); }
      @Override public void onMaskUpdate(MaskUpdateReport r) { masks.add(r); }
    }, 200);
    assertEquals(20, steps.size());
    for (int i = 0; i < steps.size(); i++) {
      assertEquals(i + 1, steps.get(i).step());
    }
    assertEquals(5, masks.size(), "mask updates at 4, 8, 12, 16, 20 run synchronously");
    double d = assertSameModel(local.network(), k3.network(), TOL, "local SGD with 1 partition vs LocalTrainer");
    System.out.println("local SGD K=3, 1 partition: largest difference to LocalTrainer = " + d);
  }

  @Test
  void localSgdOnThreePartitionsIsDeterministicAndLearns() {
    TrainingPlan plan = plan(new DropGrowMethod(false, 5, 20, 0.5));
    TrainResult a = spark(plan, options(6).withLocalSteps(4), null, 50, 90, 60);
    TrainResult b = spark(plan, options(6).withLocalSteps(4).withFailOnceAtStep(7), null, 50, 90, 60);
    TrainResult sync = spark(plan, options(6), null, 50, 90, 60);
    assertEquals(a.fingerprint(), b.fingerprint(), "a retried round changes nothing");
    assertNotEquals(a.fingerprint(), sync.fingerprint(), "local SGD is not synchronous SGD");
    assertTrue(a.test().accuracy() > 0.6, "local SGD learns: " + a.test().accuracy());
    for (int l = 0; l < a.network().layerCount(); l++) {
      assertEquals(sync.network().layer(l).nnz(), a.network().layer(l).nnz(), "averaging keeps sparsity");
    }
  }

  @Test
  void maskUpdateStepsOnTheDriverGiveTheBitsOfTheirJobs() {
    TrainingPlan plan = plan(new DropGrowMethod(true, 4, 20, 0.5));
    Map<Long, Long> sentByDriver = new HashMap<>();
    Map<Long, Long> sentByJobs = new HashMap<>();
    TrainResult driver = spark(plan, options(6).withLocalSteps(3), sentPerStep(sentByDriver), 50, 90, 60);
    TrainResult jobs = spark(plan, options(6).withLocalSteps(3).withDriverStepMacs(0), sentPerStep(sentByJobs), 50, 90,
        60);
    assertEquals(jobs.fingerprint(), driver.fingerprint(), "the driver computes a mask-update step as its job does");
    long values = 0;
    for (int l = 0; l < driver.network().layerCount(); l++) {
      values += 4L * (driver.network().layer(l).nnz() + driver.network().layer(l).outFeatures());
    }
    // 10 steps per epoch: rounds 1-3, 5-7, 9-11 (past the epoch's end), 13-15, 17-19
    for (long t : new long[] {4, 8, 12, 16, 20}) {
      assertEquals(sentByJobs.get(t) - values - 16, sentByDriver.get(t),
          "update step " + t + " sends no values (the round before it brought its rows)");
    }
  }

  @Test
  void localRoundsRunPastAnEpochsEndAndAResumedRunEndsTheSame(@TempDir java.nio.file.Path tmp) throws Exception {
    TrainingPlan plan = plan(new DropGrowMethod(false, 4, 20, 0.5));
    SparkTrainerOptions k6 = options(4).withLocalSteps(6);   // 2 partitions of 2 shards: 10 + 10 rows each step
    List<StepReport> steps = new ArrayList<>();
    List<EpochReport> epochs = new ArrayList<>();
    org.apache.hadoop.fs.FileSystem fs = org.apache.hadoop.fs.FileSystem.getLocal(new org.apache.hadoop.conf.Configuration());
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(tmp.toUri());
    org.apache.hadoop.fs.Path[] saved = new org.apache.hadoop.fs.Path[1];
    int before = descriptions.size();
    TrainResult straight = spark(plan, k6, new TrainingListener() {
      @Override public void onStep(StepReport r) { steps.add(r); }
      @Override public void onEpoch(EpochReport r) { epochs.add(r); }
      @Override public void afterStep(CompletedStep done) {
        TrainingState state = done.state();
        if (state.step() == 11) {
          try {
            saved[0] = Checkpoint.write(fs, dir, state, CheckpointMeta.of(1, "model: x")).dir();
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
      }
    }, 100, 100);
    List<String> jobs;
    synchronized (descriptions) {
      jobs = List.copyOf(descriptions.subList(before, descriptions.size()));
    }
    assertTrue(jobs.stream().anyMatch(d -> d.contains("local steps 9..11/30")), "one round across step 10: " + jobs);
    // epoch 0 (steps 1-10) is evaluated after the round that ran past it; epochs 1 and 2 end at a step of their own
    assertEquals(List.of(0, 1, 2), epochs.stream().map(EpochReport::epoch).toList());
    assertEquals(List.of(11L, 20L, 30L), epochs.stream().map(EpochReport::step).toList());
    double loss = 0;
    for (StepReport r : steps.subList(0, 10)) {
      loss += r.loss() / 10;
    }
    assertEquals(loss, epochs.get(0).trainLoss(), 1e-12, "epoch 0's training loss is over its own 10 steps");

    assertTrue(saved[0] != null, "the state after the round 9..11 was saved");
    RestoredCheckpoint r = Checkpoint.read(fs, saved[0], plan.optimizer());
    TrainingState back = r.toTrainingState(new DropGrowMethod(false, 4, 20, 0.5), plan.learningRate(30));
    assertEquals(11, back.step());
    TrainResult resumed = new SparkTrainer(spark, SPEC, plan, k6).continueTraining(back, rdd(sc, split(TRAIN, 100, 100)),
        test(), TrainingListener.NONE);
    assertEquals(straight.fingerprint(), resumed.fingerprint(), "resumed after the round past the epoch's end");
  }

  private static TrainingListener sentPerStep(Map<Long, Long> into) {
    return new TrainingListener() {
      @Override public void onStep(StepReport r) { into.put(r.step(), r.bytesSent()); }
    };
  }

  @Test
  void reportsAndJobDescriptions() {
    TrainingPlan plan = plan(new DropGrowMethod(false, 4, 8, 0.5)).withEpochs(1);
    List<StepReport> steps = new ArrayList<>();
    sc.setJobGroup("outer-group", "outer description", false);
    synchronized (descriptions) {
      descriptions.clear();
    }
    TrainResult r = spark(plan, options(6).withRunName("reports"), new TrainingListener() {
      @Override public void onStep(StepReport s) { steps.add(s); }
    }, 120, 80);
    assertEquals("outer-group", sc.getLocalProperty("spark.jobGroup.id"), "the caller's job group is restored");
    assertEquals("outer description", sc.getLocalProperty("spark.job.description"));
    sc.clearJobGroup();
    synchronized (descriptions) {
      assertTrue(descriptions.stream().anyMatch(d -> d.startsWith("reports step 5/10 epoch 0 (last loss ")), descriptions.toString());
    }
    long values = 0;
    long structure = 0;
    for (int l = 0; l < r.network().layerCount(); l++) {
      values += 4L * (r.network().layer(l).nnz() + r.network().layer(l).outFeatures());
      structure += 4L * (r.network().layer(l).nnz() + r.network().layer(l).outFeatures() + 1);
    }
    long size = values / 4;
    for (StepReport s : steps) {
      long expectSent = values + 16 + (s.step() == 1 || s.step() == 5 || s.step() == 9 ? structure + 8 + 16 : 0);
      assertEquals(expectSent, s.bytesSent(), "bytes sent at step " + s.step());
      assertEquals(2 * 8 * size, s.bytesReceived(), "two partitions send one long[] each");
      // the step time split is reported (metrics.jsonl's step_ms, compute_ms, driver_ms); how long each
      // part took is for the benchmarks, never asserted here
      for (double ms : new double[] {s.stepMillis(), s.computeMillis(), s.driverMillis()}) {
        assertTrue(Double.isFinite(ms) && ms >= 0, s.toString());
      }
      assertFalse(Double.isNaN(s.loss()));
    }
  }

  @Test
  void shardsTileTheRowsTheSameWayWhateverThePartitioning() {
    for (int[] sizes : new int[][] {{200}, {50, 90, 60}, {100, 0, 100}}) {
      List<DataBlock> shards = TrainingData.shard(rdd(sc, split(TRAIN, sizes)), 200, 6, Math.min(sizes.length, 6)).collect();
      assertEquals(6, shards.size(), "one block per virtual shard");
      long next = 0;
      for (int s = 0; s < 6; s++) {
        DataBlock b = shards.get(s);
        assertEquals(TrainingData.shardStart(s, 6, 200), b.firstRow());
        assertEquals(next, b.firstRow());
        next += b.rows();
        for (int r = 0; r < b.rows(); r++) {
          org.junit.jupiter.api.Assertions.assertArrayEquals(TRAIN.row((int) b.firstRow() + r), b.row(r));
          assertEquals(TRAIN.label((int) b.firstRow() + r), b.label(r));
        }
      }
      assertEquals(200, next);
    }
  }

  @Test
  void badInputIsRejectedBeforeTheFirstStep() {
    TrainingPlan plan = plan(new DropGrowMethod(false, 4, 20, 0.5));
    SparkTrainer t = new SparkTrainer(sc, SPEC, plan, options(6));
    DataBlock wrongWidth = DataBlock.dense(0, 9, new float[9 * 30], new int[30]);
    assertMessage(() -> t.train(rdd(sc, List.of(wrongWidth)), test(), null), "has 9 features but model.layers[0] is 10");
    int[] labels = new int[30];
    labels[17] = 3;
    DataBlock badLabel = DataBlock.dense(0, 10, new float[300], labels);
    assertMessage(() -> t.train(rdd(sc, List.of(badLabel)), test(), null), "row 17: label 3 outside [0, 3)");
    labels = new int[30];
    labels[2] = -1;
    DataBlock negLabel = DataBlock.dense(100, 10, new float[300], labels);
    assertMessage(() -> t.train(rdd(sc, List.of(data(3, 0, 100), negLabel)), test(), null), "row 102: label -1");
    float[] x = new float[300];
    x[55] = Float.NaN;
    assertMessage(() -> t.train(rdd(sc, List.of(DataBlock.dense(0, 10, x, new int[30]))), test(), null),
        "row 5, feature 5 is NaN");
    float[] inf = new float[300];
    inf[299] = Float.NEGATIVE_INFINITY;
    assertMessage(() -> t.train(rdd(sc, List.of(DataBlock.dense(0, 10, inf, new int[30]))), test(), null),
        "row 29, feature 9 is -Infinity");
    assertMessage(() -> t.train(rdd(sc, List.of(DataBlock.dense(0, 10, new float[0], new int[0]))), test(), null),
        "training data set is empty");
    assertMessage(() -> t.train(sc.parallelize(new ArrayList<DataBlock>(), 2), test(), null), "training data set is empty");
    assertMessage(() -> t.train(rdd(sc, List.of(data(3, 0, 15))), test(), null),
        "training.batch_size 20 is larger than the 15 training rows");
    assertMessage(() -> t.train(rdd(sc, List.of(data(3, 0, 50), data(4, 60, 50))), test(), null),
        "leaves ids 50..59 missing");
    assertMessage(() -> t.train(rdd(sc, List.of(data(3, 0, 50), data(4, 40, 50))), test(), null), "overlaps");
    assertMessage(() -> t.train(rdd(sc, List.of(data(3, 10, 50))), test(), null), "leaves ids 0..9 missing");
    DataBlock badTest = DataBlock.dense(0, 10, new float[50], new int[] {0, 1, 2, 7, 0});
    assertMessage(() -> t.train(rdd(sc, List.of(TRAIN)), rdd(sc, List.of(badTest)), null), "test data row 3: label 7");
    assertMessage(() -> SparkTrainerOptions.DEFAULTS.withLocalSteps(0), "local_steps must be >= 1");
  }

  private static void assertMessage(org.junit.jupiter.api.function.Executable e, String part) {
    IllegalArgumentException ex = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, e);
    assertTrue(ex.getMessage().contains(part), "message '" + ex.getMessage() + "' should contain '" + part + "'");
  }

  /** The brute-force reference: {@code out[(r - r0)·in + c] = Σ_b delta[r, b]·x[c, b]} for rows [r0, r1). */
  private static void denseGradientRows(float[] x, float[] delta, int batch, int in, int r0, int r1, float[] out) {
    for (int r = r0; r < r1; r++) {
      for (int c = 0; c < in; c++) {
        double s = 0;
        for (int b = 0; b < batch; b++) {
          s += (double) delta[r * batch + b] * x[c * batch + b];
        }
        out[(r - r0) * in + c] = (float) s;
      }
    }
  }
}
