package org.sparsetrain.jobs.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sparsetrain.jobs.TestSpark;
import org.sparsetrain.training.nn.Fingerprint;

/**
 * {@code checkpointDir} of {@link SparseMLPClassifier}: {@code fit} checkpoints at every epoch's end,
 * a second {@code fit} on the directory continues from the newest valid checkpoint (it trains only
 * the missing steps, counted from the Spark jobs of the training steps) and ends with the model of a
 * fit without checkpoints, bit for bit; a fit with other params or data refuses the directory.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SparseMLPCheckpointTest {
  static SparkSession spark;
  /** The steps whose Spark job started (a driver-mode step is one job, described "step t/T epoch e"). */
  static final List<Long> STEPS = new ArrayList<>();
  static final Pattern STEP = Pattern.compile(" step (\\d+)/(\\d+) epoch ");

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    spark = TestSpark.kryo("sparse-mlp-checkpoint-test").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    spark.sparkContext().addSparkListener(new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart job) {
        String d = job.properties() == null ? null : job.properties().getProperty("spark.job.description");
        Matcher m = d == null ? null : STEP.matcher(d);
        if (m != null && m.find()) {
          synchronized (STEPS) {
            STEPS.add(Long.parseLong(m.group(1)));
          }
        }
      }
    });
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /** SparseMLPClassifierTest's four Gaussian blobs, cached. */
  static Dataset<Row> blobs(int rows, long seed) {
    return SparseMLPClassifierTest.blobs(spark, rows, seed).cache();
  }

  static SparseMLPClassifier classifier() {
    return new SparseMLPClassifier().setLayers(new int[] {16}).setSparsity(0.5).setMethod("set").setUpdateEvery(4)
        .setEpochs(3).setBatchSize(40).setLearningRate(0.1).setSeed(11);
  }

  /** Fits and returns the model's fingerprint; {@code steps} gets the steps that ran a Spark job. */
  static String fit(SparseMLPClassifier clf, Dataset<Row> data, List<Long> steps) {
    synchronized (STEPS) {
      STEPS.clear();
    }
    SparseMLPClassificationModel m = clf.fit(data);
    drainEvents();
    synchronized (STEPS) {
      steps.clear();
      steps.addAll(STEPS);
    }
    return Fingerprint.of(m.network());
  }

  /** Waits until the listener has seen every job started so far. */
  static void drainEvents() {
    try {
      spark.sparkContext().listenerBus().waitUntilEmpty(60_000);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("Spark's listener bus did not drain", e);
    }
  }

  static List<Long> stepsSoFar() {
    drainEvents();
    synchronized (STEPS) {
      return List.copyOf(STEPS);
    }
  }

  static List<String> checkpoints(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("step-")).sorted().toList();
    }
  }

  static List<Long> range(long from, long to) {
    List<Long> r = new ArrayList<>();
    for (long t = from; t <= to; t++) {
      r.add(t);
    }
    return r;
  }

  static void delete(Path p) throws IOException {
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }

  @Test
  void fitCheckpointsEveryEpochAndASecondFitResumesToTheSameModel() throws IOException {
    Dataset<Row> data = blobs(400, 1);
    long spe = 10;                      // 400 rows, batches of 40
    long total = 3 * spe;
    List<Long> steps = new ArrayList<>();

    String straight = fit(classifier(), data, steps);
    assertEquals(range(1, total), steps, "a fit without checkpointDir trains every step");

    Path ck = dir.resolve("checkpoints");
    SparseMLPClassifier clf = classifier().setCheckpointDir(ck.toUri().toString());
    assertEquals(straight, fit(clf, data, steps), "checkpointing does not change the model");
    assertEquals(range(1, total), steps);
    assertEquals(List.of("step-000000010", "step-000000020", "step-000000030"), checkpoints(ck),
        "one checkpoint at each epoch's end (the last one is the last step)");

    // the same fit again on a finished directory: its last checkpoint is the model, no step trains
    assertEquals(straight, fit(clf, data, steps));
    assertEquals(List.of(), steps);

    // a fit that died during the third epoch left epochs 1 and 2: the next fit trains only the third
    delete(ck.resolve("step-000000030"));
    assertEquals(straight, fit(clf, data, steps), "resumed fit ends bit-identical to the uninterrupted one");
    assertEquals(range(2 * spe + 1, total), steps, "resumed after step 20: only steps 21..30 trained");
    assertEquals(List.of("step-000000010", "step-000000020", "step-000000030"), checkpoints(ck));

    // a corrupt newest checkpoint is skipped: the fit continues from the one before it
    Path values = ck.resolve("step-000000030").resolve("values.l0.bin");
    assertTrue(Files.exists(values), "checkpoint layout: " + values);
    byte[] b = Files.readAllBytes(values);
    b[b.length / 2] ^= 0x55;
    Files.write(values, b);
    assertEquals(straight, fit(clf, data, steps));
    assertEquals(range(2 * spe + 1, total), steps);

    // the directory belongs to one fit: other params or other rows are refused before any step
    List<String> before = checkpoints(ck);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> fit(classifier().setSeed(12).setCheckpointDir(ck.toUri().toString()), data, steps));
    assertTrue(e.getMessage().contains("holds checkpoints of another fit"), e.getMessage());
    assertEquals(List.of(), stepsSoFar(), "refused before any step");
    e = assertThrows(IllegalArgumentException.class, () -> fit(clf, blobs(400, 2), steps));
    assertTrue(e.getMessage().contains("holds checkpoints of another fit"), e.getMessage());
    assertEquals(List.of(), stepsSoFar(), "refused before any step");
    assertEquals(before, checkpoints(ck), "and the checkpoints are left as they were");
  }
}
