package org.sparsetrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sparsetrain.training.checkpoint.CheckpointStore;
import org.sparsetrain.training.checkpoint.Manifest;
import org.sparsetrain.training.checkpoint.SafetensorsExport;
import org.sparsetrain.training.nn.Fingerprint;

/**
 * {@code train} in {@code distribution.mode=sharded} writes checkpoints by the policy of the driver
 * mode, one shard file per shard written by the executors; a run that lost its newest checkpoints
 * (and has a corrupt one on top) continues from the newest good one when started again and ends
 * with the straight run's {@code model_fingerprint}; {@code evaluate} and {@code export} read the
 * sharded checkpoint.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ShardedCheckpointJobTest {
  static SparkSession spark;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    spark = TestSpark.kryo("sharded-checkpoint-job-test").getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static String[] train(Path out) {
    return SparkTrainJobTest.train(out, "sparsity.method=rigl", "distribution.partitions=2", "distribution.mode=sharded",
        "distribution.shards=3", "checkpoint.every_steps=5", "checkpoint.keep_last=20", "checkpoint.every_epoch=false");
  }

  @Test
  void aShardedTrainCheckpointsOnTheExecutorsAndResumesToTheStraightRunsModel() throws IOException {
    Path out = dir.resolve("sharded");
    var straight = TrainJobTest.run(train(out));
    assertEquals(0, straight.code(), straight.err());
    String fingerprint = SparkTrainJobTest.summary(out).get("model_fingerprint").asText();
    List<String> steps = stepFolders(out);
    assertEquals(List.of("step-000000005", "step-000000010", "step-000000015", "step-000000020", "step-000000025",
        "step-000000030", "step-000000032"), steps, "every 5 steps and at the end");
    FileSystem fs = FileSystem.getLocal(new Configuration());
    CheckpointStore store = CheckpointStore.forRun(fs, new org.apache.hadoop.fs.Path(out.toString()));
    Manifest last = store.latestValid().manifest();
    assertEquals("sharded", last.layout());
    assertEquals(6, last.files().size(), "one file per shard, 2 layers x 3 shards: " + last.files().keySet());
    for (JsonNode f : last.json().get("files")) {
      assertTrue(f.path("written_by").has("partition"), "written by an executor task: " + f);
    }

    // evaluate and export read the sharded checkpoint (the driver assembles it)
    var eval = TrainJobTest.run("evaluate", "--run", out.toString());
    assertEquals(0, eval.code(), eval.err());
    JsonNode e = TrainJobTest.JSON.readTree(eval.out().strip());
    assertEquals(fingerprint, e.get("model_fingerprint").asText());
    assertEquals(SparkTrainJobTest.summary(out).get("test_accuracy").asDouble(), e.get("accuracy").asDouble(), 1e-9);
    Path file = dir.resolve("model.safetensors");
    var export = TrainJobTest.run("export", "--run", out.toString(), "--out", file.toString());
    assertEquals(0, export.code(), export.err());
    assertEquals(fingerprint, Fingerprint.of(SafetensorsExport.readNetwork(fs, new org.apache.hadoop.fs.Path(file.toString()))));

    // as if the run had died after step 17: no summary, nothing newer than step 15, and step 15 corrupt
    Files.delete(out.resolve("summary.json"));
    for (String s : steps.subList(3, steps.size())) {
      deleteTree(out.resolve("checkpoints").resolve(s));
    }
    Path shard = out.resolve("checkpoints/step-000000015/shard.l1.s2.bin");
    byte[] b = Files.readAllBytes(shard);
    b[b.length - 3] ^= 0x01;
    Files.write(shard, b);
    Files.deleteIfExists(out.resolve("checkpoints/step-000000015/.shard.l1.s2.bin.crc"));
    var resumed = TrainJobTest.run(train(out));
    assertEquals(0, resumed.code(), resumed.err());
    assertTrue(resumed.out().contains("checkpoint skipped: step-000000015: shard.l1.s2.bin "), resumed.out());
    assertTrue(resumed.out().contains("step-000000010: step 10 of 32"), resumed.out());
    assertEquals(fingerprint, SparkTrainJobTest.summary(out).get("model_fingerprint").asText(),
        "resumed from the executors' shard files: the straight run's model");
  }

  static List<String> stepFolders(Path run) throws IOException {
    try (Stream<Path> s = Files.list(run.resolve("checkpoints"))) {
      List<String> out = new ArrayList<>(s.map(p -> p.getFileName().toString()).toList());
      out.sort(null);
      return out;
    }
  }

  static void deleteTree(Path p) throws IOException {
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}
