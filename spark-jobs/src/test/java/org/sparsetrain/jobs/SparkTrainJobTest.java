package org.sparsetrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The train job on Spark, inside a session that already exists (as in spark-shell or a notebook):
 * the job joins it, never stops it, and with Kryo's registrationRequired every class it ships is
 * registered.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SparkTrainJobTest {
  static SparkSession spark;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    spark = TestSpark.kryo("spark-train-job-test").getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static String[] train(Path out, String... sets) {
    List<String> a = new ArrayList<>(List.of("train", "--out", out.toString(),
        "--set", "data.format=synthetic", "--set", "model.layers=[32, 24, 4]",
        "--set", "data.synthetic_rows=1024", "--set", "data.synthetic_test_rows=256",
        "--set", "training.epochs=2", "--set", "training.batch_size=64", "--set", "sparsity.update_every=5",
        "--set", "output.progress_every_seconds=0", "--set", "output.report=false"));
    for (String s : sets) {
      a.add("--set");
      a.add(s);
    }
    return a.toArray(new String[0]);
  }

  static JsonNode summary(Path out) throws IOException {
    return TrainJobTest.JSON.readTree(out.resolve("summary.json").toFile());
  }

  @Test
  void rigLOnSparkIsIdenticalForOneAndThreePartitionsAndCloseToTheLocalTrainer() throws IOException {
    var one = TrainJobTest.run(train(dir.resolve("p1"), "sparsity.method=rigl", "distribution.partitions=1"));
    var three = TrainJobTest.run(train(dir.resolve("p3"), "sparsity.method=rigl", "distribution.partitions=3"));
    var local = TrainJobTest.run(train(dir.resolve("local"), "sparsity.method=rigl", "distribution.mode=local"));
    assertEquals(0, one.code(), one.err());
    assertEquals(0, three.code(), three.err());
    assertEquals(0, local.code(), local.err());
    JsonNode s1 = summary(dir.resolve("p1"));
    JsonNode s3 = summary(dir.resolve("p3"));
    JsonNode sl = summary(dir.resolve("local"));
    assertEquals(s1.get("model_fingerprint").asText(), s3.get("model_fingerprint").asText(),
        "exact fixed-point gradient sums: the partition count changes nothing");
    assertEquals(sl.get("global_density").asDouble(), s3.get("global_density").asDouble(), 0.0);
    // the LocalTrainer sums one batch in float order; over 32 steps that moves accuracy by at most a row or two
    assertEquals(sl.get("test_accuracy").asDouble(), s3.get("test_accuracy").asDouble(), 2.0 / 256);
    assertTrue(three.out().contains("spark local[2], 3 partitions"), three.out());
    List<String> metrics = Files.readAllLines(dir.resolve("p3/metrics.jsonl"));
    assertTrue(metrics.stream().anyMatch(l -> l.contains("\"type\":\"mask_update\"")), "RigL changed masks");
    assertTrue(metrics.stream().filter(l -> l.contains("\"type\":\"steps\""))
        .allMatch(l -> l.matches(".*\"bytes_sent_per_step\":[1-9].*")), "bytes per step recorded");
  }

  @Test
  void everyRegisteredDynamicMethodRunsOnSparkKeepingItsDensity() throws IOException {
    for (String m : List.of("set", "snfs", "static")) {
      Path out = dir.resolve(m);
      var r = TrainJobTest.run(train(out, "sparsity.method=" + m, "sparsity.target=0.8"));
      assertEquals(0, r.code(), m + ": " + r.err());
      assertEquals(0.2, summary(out).get("global_density").asDouble(), 1.0 / (32 * 24 + 24 * 4), m);
    }
  }

  @Test
  void theJobJoinsTheExistingSessionAndLeavesItRunning() {
    var r = TrainJobTest.run(train(dir.resolve("join"), "sparsity.method=set"));
    assertEquals(0, r.code(), r.err());
    assertFalse(spark.sparkContext().isStopped(), "the job must not stop a session it did not create");
    assertEquals(3L, spark.range(3).count());
  }

  @Test
  void featureCountDisagreeingWithTheModelFailsBeforeTrainingWithExitThree() {
    String fm = TrainJobTest.FMNIST;
    Path out = dir.resolve("bad");
    var r = TrainJobTest.run("train", "--out", out.toString(), "--set", "model.layers=[100, 10]",
        "--set", "data.train_images=" + fm + "/t10k-images-idx3-ubyte.gz",
        "--set", "data.train_labels=" + fm + "/t10k-labels-idx1-ubyte.gz");
    assertEquals(Main.BAD_DATA, r.code(), r.err());
    assertTrue(r.err().contains("784") && r.err().contains("100"), r.err());
    assertFalse(Files.exists(out.resolve("summary.json")));
    assertFalse(r.out().contains("step "), "no step ran: " + r.out());
  }

  @Test
  void localStepsRoundsTrainAndKeepTheMask() throws IOException {
    Path out = dir.resolve("localsgd");
    var r = TrainJobTest.run(train(out, "sparsity.method=set", "sparsity.target=0.5", "training.epochs=4",
        "distribution.local_steps=4", "distribution.partitions=2"));
    assertEquals(0, r.code(), r.err());
    JsonNode s = summary(out);
    assertTrue(s.get("test_accuracy").asDouble() > 0.5, "learns with local SGD (4 classes): " + s);
    assertEquals(0.5, s.get("global_density").asDouble(), 1.0 / (32 * 24 + 24 * 4), "averaging inside a round keeps the mask");
    assertEquals(4 * (1024 / 64), s.get("steps").asLong());
    // 16 steps per epoch, SET every 5 steps: rounds may run past an epoch's end, not past a mask update
    int spe = 1024 / 64;
    List<Long> evaluated = new ArrayList<>();
    boolean pastAnEnd = false;
    for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
      JsonNode m = TrainJobTest.JSON.readTree(line);
      int epoch = m.get("epoch") == null ? -1 : m.get("epoch").asInt();
      if (m.get("type").asText().equals("steps")) {
        assertEquals(epoch, (m.get("from_step").asLong() - 1) / spe, "a group of steps within one epoch: " + line);
        assertEquals(epoch, (m.get("to_step").asLong() - 1) / spe, "a group of steps within one epoch: " + line);
      } else if (m.get("type").asText().equals("epoch")) {
        long step = m.get("step").asLong();
        long end = (epoch + 1L) * spe;
        assertTrue(step >= end && step < end + 4, "epoch " + epoch + " evaluated at the first round end after it: " + line);
        pastAnEnd |= step > end;
        evaluated.add(step);
      }
    }
    assertEquals(4, evaluated.size());
    assertTrue(pastAnEnd, "some round ran past an epoch's end: " + evaluated);
    for (long step : evaluated.subList(1, 4)) {   // keep_last 3: each epoch's checkpoint is at its evaluated step
      assertTrue(Files.isDirectory(out.resolve("checkpoints").resolve(String.format("step-%09d", step))),
          "checkpoint of step " + step);
    }
  }

  @Test
  void shardedWeightsGiveTheDriverModesModelBitForBit() throws IOException {
    var driver = TrainJobTest.run(train(dir.resolve("driver"), "sparsity.method=rigl", "distribution.partitions=2"));
    var sharded = TrainJobTest.run(train(dir.resolve("sharded"), "sparsity.method=rigl", "distribution.partitions=2",
        "distribution.mode=sharded", "distribution.shards=3"));
    assertEquals(0, driver.code(), driver.err());
    assertEquals(0, sharded.code(), sharded.err());
    assertTrue(sharded.out().contains("weights sharded over the executors (3 shards per layer)"), sharded.out());
    assertEquals(summary(dir.resolve("driver")).get("model_fingerprint").asText(),
        summary(dir.resolve("sharded")).get("model_fingerprint").asText());
  }

  /** One divergence check for every engine: Spark and local runs with lr=1e6 fail alike, without a summary. */
  @Test
  void aDivergingRunFailsTheSameOnSparkAndLocally() {
    var spark = TrainJobTest.run(train(dir.resolve("div-spark"), "optimizer.lr=1e6"));
    var local = TrainJobTest.run(train(dir.resolve("div-local"), "optimizer.lr=1e6", "distribution.mode=local"));
    assertEquals(Main.FAILED, spark.code(), spark.err());
    assertTrue(spark.err().strip().matches("error: step \\d+: the gradient is not finite or exceeds 2\\^21 in magnitude"
        + " \\(training diverged; lower optimizer\\.lr\\)"), spark.err());
    assertEquals(spark.code(), local.code(), local.err());
    assertEquals(spark.err().strip(), local.err().strip(), "the same error, at the same step");
    assertFalse(Files.exists(dir.resolve("div-spark/summary.json")));
    assertFalse(Files.exists(dir.resolve("div-local/summary.json")));
  }

  @Test
  void autoModeSaysWhatItChoseAndWhy() {
    var r = TrainJobTest.run(train(dir.resolve("auto"), "sparsity.method=set", "distribution.mode=auto"));
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("distribution.mode auto: driver ("), r.out());
  }
}
