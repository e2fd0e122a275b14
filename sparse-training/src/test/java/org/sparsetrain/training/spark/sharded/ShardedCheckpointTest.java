package org.sparsetrain.training.spark.sharded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparsetrain.training.spark.sharded.ShardedTestSupport.SPEC;
import static org.sparsetrain.training.spark.sharded.ShardedTestSupport.data;
import static org.sparsetrain.training.spark.sharded.ShardedTestSupport.rdd;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sparsetrain.training.CompletedStep;
import org.sparsetrain.training.TrainResult;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.checkpoint.Checkpoint;
import org.sparsetrain.training.checkpoint.CheckpointMeta;
import org.sparsetrain.training.checkpoint.CheckpointStore;
import org.sparsetrain.training.checkpoint.CommitProtocol;
import org.sparsetrain.training.checkpoint.Manifest;
import org.sparsetrain.training.checkpoint.RestoredCheckpoint;
import org.sparsetrain.training.checkpoint.RetentionPolicy;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.nn.Fingerprint;
import org.sparsetrain.training.optim.Adam;
import org.sparsetrain.training.spark.SparkTrainer;
import org.sparsetrain.training.spark.SparkTrainerOptions;

/**
 * Checkpoints of sharded runs, written by the shards' owner tasks (one file per shard) under the
 * manifest-last commit, on a real HDFS (MiniDFSCluster) and on local disk, with Spark
 * {@code local[2]} and Kryo registration required: a run stopped and resumed from them ends with
 * the straight run's model bit for bit; a truncated, corrupt or missing shard file makes the
 * newest checkpoint invalid and the previous one is used; the driver can assemble the whole model
 * from the shards (evaluate, export, resuming in driver mode).
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ShardedCheckpointTest {
  static SparkSession spark;
  static JavaSparkContext sc;
  static MiniDFSCluster hdfs;
  static final DataBlock TRAIN = data(3, 0, 240);
  static final DataBlock TEST = data(4, 0, 60);
  static final TrainingPlan PLAN = new TrainingPlan(3, 24, 11L, new Adam(0.9, 0.999, 1e-8, 1e-4, true), 0.05, "cosine", 0,
      new MagnitudeDropGrow(MagnitudeDropGrow.Grow.RANDOM, MagnitudeDropGrow.Drop.MAGNITUDE, 3, 24, 0.4, 0.3));
  static final long TOTAL = 30;
  static String straight;

  /** Thrown by the test listener to stop a run as a crash would. */
  static final class Crash extends RuntimeException {
    Crash(long step) {
      super("crash after step " + step);
    }
  }

  @BeforeAll
  static void start() throws IOException {
    spark = SparkSession.builder().config(ShardedTestSupport.conf("local[2]", "ShardedCheckpointTest")).getOrCreate();
    sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    java.nio.file.Path base = Files.createTempDirectory("minidfs-sharded");
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.toString());
    hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    hdfs.waitActive();
    straight = trainer(3).train(train(), test(), null).fingerprint();
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
    if (hdfs != null) {
      hdfs.shutdown(true);
    }
  }

  static ShardedSparkTrainer trainer(int shards) {
    return new ShardedSparkTrainer(spark, SPEC, PLAN, ShardedOptions.DEFAULTS
        .withBase(SparkTrainerOptions.DEFAULTS.withVirtualShards(5).withLogEvery(0).withRunName("sharded-ckpt"))
        .withShards(shards).withCheckpointEvery(4));
  }

  static JavaRDD<DataBlock> train() {
    return rdd(sc, TRAIN, 100, 140);
  }

  static JavaRDD<DataBlock> test() {
    return rdd(sc, TEST, 60);
  }

  /** Checkpoints every {@code every} steps and at the end; stops the run after step {@code crashAfter} (0 = never). */
  static TrainingListener checkpointing(CheckpointStore store, int every, long crashAfter, List<Long> committed) {
    return new TrainingListener() {
      @Override
      public void afterStep(CompletedStep done) {
        ShardedStep s = (ShardedStep) done;
        if (s.step() % every == 0 || s.step() == s.totalSteps()) {
          try {
            CheckpointStore.CommitResult r = s.commit(store, CheckpointMeta.of((s.step() - 1) / 10, "model: {}"));
            assertEquals(List.of(), r.problems());
            committed.add(r.committed().step());
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
        if (s.step() == crashAfter) {
          throw new Crash(crashAfter);
        }
      }
    };
  }

  @Test
  void onHdfsAStoppedAndResumedShardedRunEndsWithTheStraightRunsModel() throws IOException {
    FileSystem fs = hdfs.getFileSystem();
    CheckpointStore store = CheckpointStore.forRun(fs, new Path("/runs/sharded")).withRetention(RetentionPolicy.keepLast(2));
    assertEquals(CommitProtocol.RENAME, store.effectiveProtocol());
    List<Long> committed = new ArrayList<>();
    assertThrows(Crash.class, () -> trainer(3).train(train(), test(), checkpointing(store, 4, 14, committed)));
    assertEquals(List.of(4L, 8L, 12L), committed);

    CheckpointStore.Scan scan = store.latestValid();
    assertEquals(12, scan.manifest().step());
    Manifest m = scan.manifest();
    assertEquals(2, m.formatVersion());
    assertEquals("sharded", m.layout());
    assertEquals(3, m.shardsPerLayer());
    assertEquals(9, m.files().size(), "one file per shard: 3 layers x 3 shards");
    for (JsonNode f : m.json().get("files")) {
      JsonNode by = f.get("written_by");
      assertTrue(by != null && by.has("partition"), "written by a Spark task: " + f);
      String name = f.get("name").asText();
      assertEquals(Integer.parseInt(name.substring(name.lastIndexOf(".s") + 2, name.length() - 4)), by.get("partition").asInt(),
          "shard j is written by partition j of the shard RDD, its owner: " + f);
    }

    // a different S in the restarted run's options: the checkpoint's 3 shards per layer are kept
    ShardedSparkTrainer again = trainer(2);
    CheckpointStore.Restored<ShardedStart> r = again.restore(store, TOTAL);
    assertEquals(List.of(), r.problems());
    assertEquals(12, r.value().step());
    assertEquals(scan.dir(), r.value().checkpoint());
    TrainResult resumed = again.continueTraining(r.value(), train(), test(), checkpointing(store, 4, 0, committed));
    assertEquals(straight, resumed.fingerprint(), "resumed on HDFS from the executors' shard files");
    assertEquals(List.of(4L, 8L, 12L, 16L, 20L, 24L, 28L, 30L), committed);
    assertEquals(List.of("step-000000028", "step-000000030"), names(fs, store.dir()), "keep-last-2, no leftovers");

    // the driver can assemble the whole model from the shards: evaluate, export, or resume in driver mode
    RestoredCheckpoint last = store.restore(SPEC, PLAN.method(), PLAN.optimizer()).checkpoint();
    assertEquals(30, last.step());
    assertEquals(straight, Fingerprint.of(last.network()));
    RestoredCheckpoint older = Checkpoint.read(fs, new Path(store.dir(), "step-000000028"), PLAN.optimizer());
    TrainResult inDriverMode = new SparkTrainer(spark, SPEC, PLAN, SparkTrainerOptions.DEFAULTS.withVirtualShards(5)
        .withLogEvery(0)).continueTraining(older.toTrainingState(PLAN.method(), PLAN.learningRate(TOTAL)),
        train(), test(), null);
    assertEquals(straight, inDriverMode.fingerprint(), "a sharded checkpoint resumes in driver mode too");
  }

  @Test
  void aTruncatedCorruptOrMissingShardFileMakesTheStoreFallBackToThePreviousCheckpoint() throws IOException {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    Path runDir = new Path(Files.createTempDirectory("sharded-faults").toUri());
    CheckpointStore store = CheckpointStore.forRun(fs, runDir).withRetention(RetentionPolicy.KEEP_ALL);
    List<Long> committed = new ArrayList<>();
    assertThrows(Crash.class, () -> trainer(2).train(train(), test(), checkpointing(store, 4, 12, committed)));
    assertEquals(List.of(4L, 8L, 12L), committed);

    // a flipped byte keeps the size: only the owner's CRC32C check can see it
    Path flipped = new Path(store.dir(), "step-000000012/shard.l1.s1.bin");
    byte[] b = readBytes(fs, flipped);
    b[b.length / 2] ^= 0x10;
    writeBytes(fs, flipped, b);
    ShardedSparkTrainer t = trainer(2);
    CheckpointStore.Restored<ShardedStart> r = t.restore(store, TOTAL);
    assertEquals(8, r.value().step());
    assertEquals(1, r.problems().size(), r.problems().toString());
    assertTrue(r.problems().get(0).startsWith("step-000000012: shard.l1.s1.bin") && r.problems().get(0).contains("(corrupt)"),
        r.problems().toString());
    assertEquals(8, store.latestValid().manifest().step(), "the driver's full check agrees");
    assertEquals(straight, t.continueTraining(r.value(), train(), test(), null).fingerprint(),
        "resumed from the previous checkpoint");

    Path truncated = new Path(store.dir(), "step-000000008/shard.l2.s0.bin");
    byte[] t8 = readBytes(fs, truncated);
    writeBytes(fs, truncated, Arrays.copyOf(t8, t8.length - 4));
    fs.delete(new Path(store.dir(), "step-000000004/shard.l0.s1.bin"), false);
    CheckpointStore.Restored<ShardedStart> none = trainer(2).restore(store, TOTAL);
    assertFalse(none.found());
    assertEquals(List.of(r.problems().get(0),
        "step-000000008: shard.l2.s0.bin size " + (t8.length - 4) + " != manifest " + t8.length + " (truncated)",
        "step-000000004: shard.l0.s1.bin is listed in manifest.json but missing"), none.problems());

    // a checkpoint whose manifest never got written is no checkpoint either
    fs.delete(new Path(store.dir(), "step-000000012/manifest.json"), false);
    assertTrue(store.latestValid().problems().get(0).contains("step-000000012: no manifest.json"),
        store.latestValid().problems().toString());
  }

  static List<String> names(FileSystem fs, Path dir) throws IOException {
    List<String> out = new ArrayList<>();
    for (var st : fs.listStatus(dir)) {
      out.add(st.getPath().getName());
    }
    out.sort(null);
    return out;
  }

  static byte[] readBytes(FileSystem fs, Path p) throws IOException {
    try (InputStream in = fs.open(p)) {
      return in.readAllBytes();
    }
  }

  static void writeBytes(FileSystem fs, Path p, byte[] b) throws IOException {
    try (FSDataOutputStream out = fs.create(p, true)) {
      out.write(b);
    }
  }
}
