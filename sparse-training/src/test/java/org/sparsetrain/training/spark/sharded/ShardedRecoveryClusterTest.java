package org.sparsetrain.training.spark.sharded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparsetrain.training.spark.sharded.ShardedTestSupport.SPEC;
import static org.sparsetrain.training.spark.sharded.ShardedTestSupport.data;
import static org.sparsetrain.training.spark.sharded.ShardedTestSupport.rdd;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sparsetrain.training.StepReport;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.checkpoint.CheckpointStore;
import org.sparsetrain.training.checkpoint.RetentionPolicy;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.optim.Adam;
import org.sparsetrain.training.spark.SparkTrainerOptions;

/**
 * A sharded run on two executor JVMs ({@code local-cluster[2,1,1024]}, local lineage checkpoints)
 * loses both executors after step 2, before any checkpoint, and the executor owning shard 0 after
 * step 9 (a mask update): Spark cannot recompute the shards, so the run restarts them from its
 * initial model, then restores them from its step-8 checkpoint, onto the live executors within the
 * same call, says so in one log line each, and ends with the straight run's model bit for bit. With
 * a reliable checkpoint directory the same kill is absorbed by Spark's own recomputation (through
 * the step-9 mask update since the step-8 lineage checkpoint) and ends with the same model.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
public class ShardedRecoveryClusterTest {
  static JavaSparkContext sc;
  static final DataBlock TRAIN = data(3, 0, 240);
  static final DataBlock TEST = data(4, 0, 60);
  /** One epoch of 12 steps, mask updates at steps 3, 6 and 9. */
  static final TrainingPlan PLAN = new TrainingPlan(1, 20, 11L, new Adam(0.9, 0.999, 1e-8, 1e-4, true), 0.05, "cosine", 0,
      new MagnitudeDropGrow(MagnitudeDropGrow.Grow.RANDOM, MagnitudeDropGrow.Drop.MAGNITUDE, 3, 9, 0.4, 0.3));

  @BeforeAll
  static void start() {
    String home = System.getenv("SPARK_HOME");
    if (home == null) {
      throw new IllegalStateException("SPARK_HOME is not set (surefire sets it to target/spark-home)");
    }
    new File(home, "jars").mkdirs();
    sc = new JavaSparkContext(ShardedTestSupport.conf("local-cluster[2,1,1024]", "ShardedRecoveryClusterTest")
        .set("spark.executor.extraClassPath", System.getProperty("java.class.path"))
        .set("spark.executor.extraJavaOptions", "--add-modules=jdk.incubator.vector")
        .set("spark.executor.memory", "512m"));
  }

  @AfterAll
  static void stop() {
    if (sc != null) {
      sc.stop();
    }
  }

  static ShardedSparkTrainer trainer() {
    return trainer(ShardedOptions.DEFAULTS);
  }

  static ShardedSparkTrainer trainer(ShardedOptions options) {
    return new ShardedSparkTrainer(sc, SPEC, PLAN, options
        .withBase(SparkTrainerOptions.DEFAULTS.withVirtualShards(5).withLogEvery(0).withRunName("sharded-recovery"))
        .withShards(4).withCheckpointEvery(4));
  }

  @Test
  void anExecutorKilledMidRunIsRecoveredFromTheLastCheckpointToTheStraightRunsModel() throws IOException {
    String straight = trainer().train(rdd(sc, TRAIN, 100, 140), rdd(sc, TEST, 60), null).fingerprint();

    FileSystem fs = FileSystem.getLocal(new Configuration());
    CheckpointStore store = CheckpointStore.forRun(fs, new Path(Files.createTempDirectory("sharded-recovery").toUri()))
        .withRetention(RetentionPolicy.keepLast(2));
    List<Long> committed = new ArrayList<>();
    List<String> recoveries = new ArrayList<>();
    List<Long> killed = new ArrayList<>();
    TrainingListener kills = new TrainingListener() {
      @Override
      public void onStep(StepReport r) {
        if (r.step() == 2 && killed.isEmpty()) {
          killed.addAll(killExecutors(""));
        } else if (r.step() == 9 && killed.size() == 2) {
          killed.addAll(killShardOwner(store));
        }
      }

      @Override
      public void onRecovery(long lostAt, long restoredStep) {
        recoveries.add(lostAt + "->" + restoredStep);
      }
    };
    StringWriter log = new StringWriter();
    Logger logger = (Logger) LogManager.getLogger(ShardedSparkTrainer.class);
    WriterAppender appender = WriterAppender.newBuilder().setName("recovery-test").setTarget(log)
        .setLayout(PatternLayout.newBuilder().withPattern("%m%n").build()).build();
    appender.start();
    logger.addAppender(appender);
    String recovered;
    try {
      recovered = trainer().train(rdd(sc, TRAIN, 100, 140), rdd(sc, TEST, 60),
          TrainingListener.all(kills, ShardedCheckpointTest.checkpointing(store, 4, 0, committed))).fingerprint();
    } finally {
      logger.removeAppender(appender);
      appender.stop();
    }
    System.out.println(log);
    assertEquals(3, killed.size(), "both executors after step 2, then the owner of shard 0 after step 9");
    assertEquals(List.of("3->0", "10->8"), recoveries,
        "step 3 lost every shard before any checkpoint: back to the start; step 10 lost some: back to step 8");
    assertTrue(log.toString().contains("sharded-recovery: executor lost at step 3; restored shards from the run's start"
        + " (no checkpoint yet) at step 0, continuing (recovery 1 of at most 3; [CHECKPOINT_RDD_BLOCK_ID_NOT_FOUND]"),
        log.toString());
    assertTrue(log.toString().contains("sharded-recovery: executor lost at step 10; restored shards from checkpoint step 8,"
        + " continuing (recovery 2 of at most 3; [CHECKPOINT_RDD_BLOCK_ID_NOT_FOUND]"), log.toString());
    assertEquals(List.of(4L, 8L, 12L), committed, "steps 9 and 10 replayed before step 12 was committed");
    assertEquals(straight, recovered, "the recovered run ends with the straight run's model");

    // with a reliable checkpoint directory Spark recomputes the lost shards itself: no restore needed
    recoveries.clear();
    killed.clear();
    committed.clear();
    CheckpointStore again = CheckpointStore.forRun(fs, new Path(Files.createTempDirectory("sharded-reliable").toUri()));
    ShardedSparkTrainer reliable = trainer(ShardedOptions.DEFAULTS.withCheckpointDir(
        Files.createTempDirectory("spark-checkpoints").toUri().toString()));
    TrainingListener killAgain = new TrainingListener() {
      @Override
      public void onStep(StepReport r) {
        if (r.step() == 9 && killed.isEmpty()) {
          killed.addAll(killShardOwner(again));
        }
      }

      @Override
      public void onRecovery(long lostAt, long restoredStep) {
        recoveries.add(lostAt + "->" + restoredStep);
      }
    };
    String recomputed = reliable.train(rdd(sc, TRAIN, 100, 140), rdd(sc, TEST, 60),
        TrainingListener.all(killAgain, ShardedCheckpointTest.checkpointing(again, 4, 0, committed))).fingerprint();
    assertEquals(1, killed.size());
    assertEquals(List.of(), recoveries, "Spark recomputed the shards from its reliable checkpoint");
    assertTrue(!reliable.checkpointFiles().isEmpty(), "reliable checkpoints of the shard RDD were written");
    assertEquals(straight, recomputed, "recomputed by Spark: the straight run's model");
  }

  /** SIGKILLs the executor JVM that wrote shard 0 of the newest checkpoint (it owns partition 0 of the shard RDD). */
  static List<Long> killShardOwner(CheckpointStore store) {
    try {
      for (JsonNode f : store.latestValid().manifest().json().get("files")) {
        if (f.get("name").asText().endsWith(".s0.bin")) {
          return killExecutors("--executor-id " + f.get("written_by").get("executor").asText() + " ");
        }
      }
      throw new IllegalStateException("the newest checkpoint of " + store.dir() + " lists no shard 0");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * SIGKILLs the executor JVMs whose command line contains {@code flag} and waits until they are
   * gone; local-cluster's workers run inside this JVM, so the executors are its child processes.
   */
  public static List<Long> killExecutors(String flag) {
    List<Long> pids = new ArrayList<>();
    for (ProcessHandle p : ProcessHandle.current().descendants().toList()) {
      String cmd;
      try {
        cmd = new String(Files.readAllBytes(java.nio.file.Path.of("/proc", Long.toString(p.pid()), "cmdline")),
            StandardCharsets.UTF_8).replace('\0', ' ');
      } catch (IOException gone) {
        continue;
      }
      if (cmd.contains("CoarseGrainedExecutorBackend") && cmd.contains(flag)) {
        p.destroyForcibly();
        p.onExit().join();
        pids.add(p.pid());
      }
    }
    if (pids.isEmpty()) {
      throw new IllegalStateException("no executor JVM with '" + flag + "' among this JVM's child processes");
    }
    return pids;
  }
}
