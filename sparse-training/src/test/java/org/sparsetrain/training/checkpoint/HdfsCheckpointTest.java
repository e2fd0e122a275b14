package org.sparsetrain.training.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparsetrain.training.checkpoint.CheckpointFixtures.SPEC;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sparsetrain.training.LocalTrainer;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.nn.Fingerprint;

/**
 * A real HDFS (NameNode + DataNode of Hadoop's MiniDFSCluster, in this JVM): a training run
 * checkpoints through the store, crashes, and resumes from the newest good checkpoint to the same
 * model as a straight run; checkpoints commit by directory rename.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class HdfsCheckpointTest {
  static MiniDFSCluster cluster;
  static FileSystem fs;
  static final DataBlock TRAIN = CheckpointFixtures.teacherData(256, 1);
  static final DataBlock TEST = CheckpointFixtures.teacherData(64, 2);

  @BeforeAll
  static void startHdfs() throws IOException {
    java.nio.file.Path base = Files.createDirectories(
        java.nio.file.Path.of(System.getProperty("sparsetrain.test.tmp", System.getProperty("java.io.tmpdir"))))
        .resolve("minidfs-ckpt-" + ProcessHandle.current().pid());
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.toString());
    cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    cluster.waitActive();
    fs = cluster.getFileSystem();
  }

  @AfterAll
  static void stopHdfs() {
    if (cluster != null) {
      cluster.shutdown(true);
    }
  }

  @Test
  void crashedTrainingResumesFromHdfsToTheStraightRunsModel() throws IOException {
    TrainingPlan plan = CheckpointFixtures.plan(CheckpointFixtures.adam(), CheckpointFixtures.sparseMethod(), 3);
    String straight = Fingerprint.of(new LocalTrainer(SPEC, plan).train(TRAIN, TEST, TrainingListener.NONE).network());

    Path run = new Path("/runs/adam");
    CheckpointStore store = CheckpointStore.forRun(fs, run).withRetention(RetentionPolicy.keepLast(2));
    assertEquals("hdfs", store.dir().toUri().getScheme());
    assertEquals(CommitProtocol.RENAME, store.effectiveProtocol());
    TrainingState state = CheckpointFixtures.freshState(plan, TRAIN);
    LocalTrainer trainer = new LocalTrainer(SPEC, plan);
    List<CheckpointStore.CommitResult> log = new ArrayList<>();
    assertThrows(CheckpointFixtures.Crash.class, () -> trainer.continueTraining(state, TRAIN, TEST,
        CheckpointFixtures.checkpointing(store, state, trainer.sampler(TRAIN), 8, 37, "model: {}", log)));
    assertEquals(4, log.size());
    for (CheckpointStore.CommitResult c : log) {
      assertEquals(CommitProtocol.RENAME, c.committed().protocol());
    }
    assertEquals(List.of(new Path(store.dir(), "step-000000016")), log.get(3).deleted());
    List<String> names = new ArrayList<>();
    for (FileStatus st : fs.listStatus(store.dir())) {
      names.add(st.getPath().getName());
    }
    names.sort(null);
    assertEquals(List.of("step-000000024", "step-000000032"), names, "keep-last-2 and no temporary folders");

    // the newest checkpoint is truncated on HDFS: the store falls back to step 24 and says why
    Path values = new Path(new Path(store.dir(), "step-000000032"), "values.l0.bin");
    byte[] b = CheckpointFixtures.readBytes(fs, values);
    CheckpointFixtures.writeBytes(fs, values, Arrays.copyOf(b, b.length - 8));
    CheckpointStore.RestoreResult r = store.restore(SPEC, plan.method(), plan.optimizer());
    assertEquals(24, r.checkpoint().step());
    assertEquals(List.of("step-000000032: values.l0.bin size " + (b.length - 8) + " != manifest " + b.length + " (truncated)"), r.problems());

    TrainingState resumed = r.checkpoint().toTrainingState(plan.method(), plan.learningRate(state.totalSteps()));
    List<CheckpointStore.CommitResult> log2 = new ArrayList<>();
    String end = Fingerprint.of(trainer.continueTraining(resumed, TRAIN, TEST,
        CheckpointFixtures.checkpointing(store, resumed, trainer.sampler(TRAIN), 8, 0, "model: {}", log2)).network());
    assertEquals(straight, end, "resumed on HDFS, same model as the straight run");
    // re-committing step 32 replaced the truncated one (rename over an existing step folder)
    assertEquals(32, log2.get(0).committed().step());
    assertEquals(List.of(), store.latestValid().problems());
    assertEquals(48, store.latestValid().manifest().step());
    for (FileStatus st : fs.listStatus(store.dir())) {
      assertFalse(st.getPath().getName().startsWith("_"), "leftover " + st.getPath());
    }
    RestoredCheckpoint last = Checkpoint.read(fs, store.latestValid().dir(), plan.optimizer());
    assertEquals(straight, Fingerprint.of(last.network()));
  }

  @Test
  void safetensorsExportOnHdfs() throws IOException {
    TrainingPlan plan = CheckpointFixtures.plan(CheckpointFixtures.sgd(), CheckpointFixtures.sparseMethod(), 1);
    var net = new LocalTrainer(SPEC, plan).train(TRAIN, TEST, TrainingListener.NONE).network();
    Path file = new Path("/export/model.safetensors");
    SafetensorsExport.write(fs, file, net);
    assertTrue(fs.getFileStatus(file).getLen() > 8);
    assertEquals(Fingerprint.of(net), Fingerprint.of(SafetensorsExport.readNetwork(fs, file)));
  }
}
