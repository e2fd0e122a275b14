package org.sparsetrain.training.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparsetrain.training.checkpoint.CheckpointFixtures.SPEC;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsetrain.training.LocalTrainer;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.Fingerprint;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.optim.OptimizerState;

/**
 * Each kind of damage is detected with a message that names the file and the fault, the previous
 * good checkpoint is restored, and the resumed run still ends like a straight run.
 */
class CheckpointFaultsTest {
  static final DataBlock TRAIN = CheckpointFixtures.teacherData(256, 1);
  static final DataBlock TEST = CheckpointFixtures.teacherData(64, 2);
  static final TrainingPlan PLAN = CheckpointFixtures.plan(CheckpointFixtures.sgd(), CheckpointFixtures.sparseMethod(), 2);
  static String straight;

  @TempDir java.nio.file.Path tmp;
  FileSystem fs;
  CheckpointStore store;
  TrainingState crashed;

  @BeforeAll
  static void straightRun() {
    straight = Fingerprint.of(new LocalTrainer(SPEC, PLAN).train(TRAIN, TEST, TrainingListener.NONE).network());
  }

  /** A run that checkpoints at steps 8 and 16 and crashes after step 19. */
  @BeforeEach
  void crashedRun() throws IOException {
    fs = FileSystem.getLocal(new Configuration());
    store = CheckpointStore.forRun(fs, new Path(tmp.toUri())).withRetention(RetentionPolicy.KEEP_ALL);
    crashed = CheckpointFixtures.freshState(PLAN, TRAIN);
    LocalTrainer trainer = new LocalTrainer(SPEC, PLAN);
    List<CheckpointStore.CommitResult> log = new ArrayList<>();
    assertThrows(CheckpointFixtures.Crash.class, () -> trainer.continueTraining(crashed, TRAIN, TEST,
        CheckpointFixtures.checkpointing(store, crashed, trainer.sampler(TRAIN), 8, 19, null, log)));
    assertEquals(2, log.size());
  }

  Path step(long s) {
    return new Path(store.dir(), CheckpointFormat.stepDirName(s));
  }

  /** latestValid and restore both pick step 8 and report step 16 with {@code expected}; the resumed run ends like the straight one. */
  void assertFallsBackToStep8(String expected) throws IOException {
    CheckpointStore.Scan scan = store.latestValid();
    assertEquals(8, scan.manifest().step());
    assertEquals(List.of("step-000000016: " + expected), scan.problems());
    CheckpointStore.RestoreResult r = store.restore(SPEC, PLAN.method(), PLAN.optimizer());
    assertEquals(8, r.checkpoint().step());
    assertEquals(List.of("step-000000016: " + expected), r.problems());
    TrainingState s = r.checkpoint().toTrainingState(PLAN.method(), PLAN.learningRate(crashed.totalSteps()));
    Network end = new LocalTrainer(SPEC, PLAN).continueTraining(s, TRAIN, TEST, TrainingListener.NONE).network();
    assertEquals(straight, Fingerprint.of(end));
    // retention keeps the checkpoint it falls back to, and leaves the damaged newer one for inspection
    CheckpointStore.RetainResult kept = store.withRetention(RetentionPolicy.keepLast(1)).retain();
    assertEquals(List.of(), kept.deleted());
    assertTrue(fs.exists(step(8)) && fs.exists(step(16)));
  }

  @Test
  void aTruncatedFile() throws IOException {
    Path f = new Path(step(16), "values.l1.bin");
    byte[] b = CheckpointFixtures.readBytes(fs, f);
    CheckpointFixtures.writeBytes(fs, f, Arrays.copyOf(b, b.length / 2));
    assertFallsBackToStep8("values.l1.bin size " + b.length / 2 + " != manifest " + b.length + " (truncated)");
  }

  @Test
  void aFlippedByteInADataFile() throws IOException {
    Path f = new Path(step(16), "opt0.values.l0.bin");
    byte[] b = CheckpointFixtures.readBytes(fs, f);
    b[b.length - 3] ^= 0x10;
    CheckpointFixtures.writeBytes(fs, f, b);
    CheckpointStore.Scan scan = store.latestValid();
    assertTrue(scan.problems().get(0).matches("step-000000016: opt0\\.values\\.l0\\.bin crc32c [0-9a-f]{8} != manifest [0-9a-f]{8} \\(corrupt\\)"),
        scan.problems().toString());
    String msg = scan.problems().get(0).substring("step-000000016: ".length());
    assertFallsBackToStep8(msg);
  }

  @Test
  void aFlippedByteInTheManifest() throws IOException {
    Path f = new Path(step(16), "manifest.json");
    byte[] b = CheckpointFixtures.readBytes(fs, f);
    String text = new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
    int at = text.indexOf("\"step\" : 16") + "\"step\" : 1".length();
    b[at] = '2'; // step 16 -> 12: still valid JSON, still plausible
    CheckpointFixtures.writeBytes(fs, f, b);
    String msg = store.latestValid().problems().get(0);
    assertTrue(msg.matches("step-000000016: manifest\\.json crc32c [0-9a-f]{8} != recorded [0-9a-f]{8} \\(corrupt or edited\\)"), msg);
    assertFallsBackToStep8(msg.substring("step-000000016: ".length()));
  }

  @Test
  void aMissingManifest() throws IOException {
    assertTrue(fs.delete(new Path(step(16), "manifest.json"), false));
    assertFallsBackToStep8("no manifest.json (never committed, or still being written)");
  }

  @Test
  void aManifestNamingAMissingFile() throws IOException {
    assertTrue(fs.delete(new Path(step(16), "colidx.l0.bin"), false));
    assertFallsBackToStep8("colidx.l0.bin is listed in manifest.json but missing");
  }

  @Test
  void aCheckpointOfADifferentModelShape() throws IOException {
    ModelSpec other = new ModelSpec(new int[] {12, 6, 4}, Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY);
    Network net = other.build(PLAN.method(), 3);
    TrainingState foreign = new TrainingState(net, OptimizerState.create(PLAN.optimizer(), net), PLAN.method(),
        PLAN.learningRate(100), 3, 100, 24, 0);
    store.commit(foreign, CheckpointMeta.of(0, null));
    CheckpointStore.RestoreResult r = store.restore(SPEC, PLAN.method(), PLAN.optimizer());
    assertEquals(16, r.checkpoint().step());
    assertEquals(List.of("step-000000024: checkpoint step-000000024 has layers [12,6,4] but the config says [12,10,4]"), r.problems());

    // with no compatible checkpoint at all, restoring is an error, not a silent fresh start
    CheckpointStore only = CheckpointStore.open(fs, new Path(tmp.toUri().resolve("other")));
    only.commit(foreign, CheckpointMeta.of(0, null));
    IncompatibleCheckpointException e = assertThrows(IncompatibleCheckpointException.class,
        () -> only.restore(SPEC, PLAN.method(), PLAN.optimizer()));
    assertTrue(e.getMessage().startsWith("checkpoint step-000000024 has layers [12,6,4] but the config says [12,10,4]"), e.getMessage());
  }

  @Test
  void anotherOptimizerOrStorageIsIncompatible() {
    IncompatibleCheckpointException e = assertThrows(IncompatibleCheckpointException.class,
        () -> store.restore(SPEC, PLAN.method(), CheckpointFixtures.adam()));
    assertTrue(e.getMessage().contains("checkpoint optimizer is sgd("), e.getMessage());
    assertTrue(e.getMessage().contains("but the config says adamw("), e.getMessage());
    e = assertThrows(IncompatibleCheckpointException.class,
        () -> store.restore(SPEC, CheckpointFixtures.denseMethod(), PLAN.optimizer()));
    assertTrue(e.getMessage().contains("stores layer 0 sparse but sparsity.method dense trains dense layers"), e.getMessage());
  }

  @Test
  void everyCheckpointDamagedMeansAFreshStartWithEveryProblemReported() throws IOException {
    assertTrue(fs.delete(new Path(step(16), "manifest.json"), false));
    Path f = new Path(step(8), "bias.l0.bin");
    byte[] b = CheckpointFixtures.readBytes(fs, f);
    CheckpointFixtures.writeBytes(fs, f, Arrays.copyOf(b, b.length + 4));
    CheckpointStore.RestoreResult r = store.restore(SPEC, PLAN.method(), PLAN.optimizer());
    assertFalse(r.found());
    assertEquals(List.of("step-000000016: no manifest.json (never committed, or still being written)",
        "step-000000008: bias.l0.bin size " + (b.length + 4) + " != manifest " + b.length + " (too long)"), r.problems());
    CheckpointStore.RetainResult kept = store.withRetention(RetentionPolicy.keepLast(1)).retain();
    assertEquals(List.of(), kept.deleted(), "nothing is deleted while no checkpoint verifies");
  }
}
