package org.sparsetrain.training.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparsetrain.training.checkpoint.CheckpointFixtures.SPEC;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparsetrain.training.LocalTrainer;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.nn.Fingerprint;
import org.sparsetrain.training.optim.Optimizer;
import org.sparsetrain.training.sparsity.SparsityMethod;

/** Format and round trip on the local filesystem (through Hadoop's {@code file://} FileSystem). */
class CheckpointRoundTripTest {
  @TempDir java.nio.file.Path tmp;
  FileSystem fs;
  Path root;
  static final DataBlock TRAIN = CheckpointFixtures.teacherData(256, 1);
  static final DataBlock TEST = CheckpointFixtures.teacherData(64, 2);

  @BeforeEach
  void setUp() throws IOException {
    fs = FileSystem.getLocal(new Configuration());
    root = new Path(tmp.toUri());
  }

  static Stream<Arguments> combos() {
    return Stream.of(
        Arguments.of("sparse-sgd", CheckpointFixtures.sgd(), CheckpointFixtures.sparseMethod()),
        Arguments.of("sparse-adam", CheckpointFixtures.adam(), CheckpointFixtures.sparseMethod()),
        Arguments.of("dense-sgd", CheckpointFixtures.sgd(), CheckpointFixtures.denseMethod()),
        Arguments.of("dense-adam", CheckpointFixtures.adam(), CheckpointFixtures.denseMethod()));
  }

  /** Trains {@code steps} steps (a "crash" stops the run there) and returns the state. */
  static TrainingState trained(TrainingPlan plan, long steps) {
    TrainingState state = CheckpointFixtures.freshState(plan, TRAIN);
    TrainingListener stop = new TrainingListener() {
      @Override public void onStep(org.sparsetrain.training.StepReport r) {
        if (r.step() == steps) {
          throw new CheckpointFixtures.Crash(r.step());
        }
      }
    };
    assertThrows(CheckpointFixtures.Crash.class, () -> new LocalTrainer(SPEC, plan).continueTraining(state, TRAIN, TEST, stop));
    assertEquals(steps, state.step());
    return state;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("combos")
  void roundTripIsBitExact(String name, Optimizer opt, SparsityMethod method) throws IOException {
    TrainingPlan plan = CheckpointFixtures.plan(opt, method, 2);
    TrainingState state = trained(plan, 13);
    Checkpoint.Committed c = Checkpoint.write(fs, new Path(root, "ckpt"), state, CheckpointMeta.of(0, "model: x"));
    assertEquals(CommitProtocol.RENAME, c.protocol(), "local disk commits by rename");
    assertEquals("step-000000013", c.dir().getName());

    RestoredCheckpoint r = Checkpoint.read(fs, c.dir(), opt);
    assertEquals(Fingerprint.of(state.network()), Fingerprint.of(r.network()));
    CheckpointFixtures.assertSameOptimizerState(state.optimizer(), r.optimizer(), state.network().layerCount());
    for (int l = 0; l < state.network().layerCount(); l++) {
      assertEquals(state.network().layer(l).isSparse(), r.network().layer(l).isSparse(), "storage of layer " + l);
    }
    TrainingState back = r.toTrainingState(method, plan.learningRate(state.totalSteps()));
    assertEquals(state.step(), back.step());
    assertEquals(state.maskVersion(), back.maskVersion());
    assertEquals(state.seed(), back.seed());
    assertEquals(state.totalSteps(), back.totalSteps());
    if (!method.dense()) {
      assertEquals(3, state.maskVersion(), "masks changed at steps 4, 8 and 12");
    }
    // continuing both gives the same model
    new LocalTrainer(SPEC, plan).continueTraining(state, TRAIN, TEST, TrainingListener.NONE);
    new LocalTrainer(SPEC, plan).continueTraining(back, TRAIN, TEST, TrainingListener.NONE);
    assertEquals(Fingerprint.of(state.network()), Fingerprint.of(back.network()));
  }

  @Test
  void resumedRunEndsLikeAStraightRun() throws IOException {
    TrainingPlan plan = CheckpointFixtures.plan(CheckpointFixtures.adam(), CheckpointFixtures.sparseMethod(), 3);
    String straight = Fingerprint.of(new LocalTrainer(SPEC, plan).train(TRAIN, TEST, TrainingListener.NONE).network());

    CheckpointStore store = CheckpointStore.forRun(fs, new Path(root, "run"));
    TrainingState state = CheckpointFixtures.freshState(plan, TRAIN);
    List<CheckpointStore.CommitResult> log = new ArrayList<>();
    LocalTrainer trainer = new LocalTrainer(SPEC, plan);
    assertThrows(CheckpointFixtures.Crash.class, () -> trainer.continueTraining(state, TRAIN, TEST,
        CheckpointFixtures.checkpointing(store, state, trainer.sampler(TRAIN), 10, 27, "seed: 1", log)));
    assertEquals(2, log.size());

    CheckpointStore.RestoreResult rr = store.restore(SPEC, plan.method(), plan.optimizer());
    assertTrue(rr.found());
    assertEquals(List.of(), rr.problems());
    assertEquals(20, rr.checkpoint().step());
    TrainingState resumed = rr.checkpoint().toTrainingState(plan.method(), plan.learningRate(state.totalSteps()));
    String end = Fingerprint.of(trainer.continueTraining(resumed, TRAIN, TEST, TrainingListener.NONE).network());
    assertEquals(straight, end, "resumed run must end with the straight run's model");
    assertNotEquals(Fingerprint.of(state.network()), end, "the crashed run stopped early");
  }

  @Test
  void manifestRecordsRunAndRedactsSecrets() throws IOException {
    TrainingPlan plan = CheckpointFixtures.plan(CheckpointFixtures.adam(), CheckpointFixtures.sparseMethod(), 1);
    TrainingState state = trained(plan, 9);
    String config = "model:\n  layers: [12, 10, 4]\nspark:\n  hadoop:\n    fs.s3a.secret.key: TOPSECRET-1\n"
        + "    fs.s3a.access.key: AKIA-2\n  password = hunter2\n";
    ObjectNode extra = new CheckpointMeta(0, null, null).extra();
    extra.put("val_accuracy", 0.75);
    extra.putObject("store").put("session_token", "TOKEN-3").put("bucket", "b");
    Checkpoint.Committed c = Checkpoint.write(fs, new Path(root, "ckpt"), state, new CheckpointMeta(0, config, extra));
    String text = CheckpointFixtures.readText(fs, new Path(c.dir(), "manifest.json"));
    for (String secret : new String[] {"TOPSECRET-1", "AKIA-2", "hunter2", "TOKEN-3"}) {
      assertFalse(text.contains(secret), secret + " must not reach the manifest");
    }
    Manifest m = Manifest.read(fs, c.dir());
    assertTrue(m.config().contains("fs.s3a.secret.key: \"<redacted>\""), m.config());
    assertTrue(m.config().contains("layers: [12, 10, 4]"));
    assertEquals("b", m.extra().path("store").path("bucket").asText());
    assertEquals(0.75, m.extraMetric("val_accuracy"));
    assertEquals(9, m.step());
    assertEquals(9, m.dataCursor());
    assertEquals(2, m.maskVersion());
    assertEquals(plan.seed(), m.seed());
    assertEquals("test-drop-grow", m.method());
    assertEquals("[12, 10, 4]", java.util.Arrays.toString(m.sizes()));
    assertEquals("relu", m.activation());
    assertEquals("softmax_cross_entropy", m.loss());
    assertEquals("Adam", m.optimizerKind());
    assertEquals(2, m.optimizerSlots());
    assertEquals(9, m.optimizerStep());
    assertEquals(Fingerprint.of(state.network()), m.fingerprint());
    assertEquals(2 * (4 + 2 * 2), m.files().size(), "per layer rowptr, colidx, values, bias and 2 slots × 2");
    for (Manifest.LayerInfo li : m.layers()) {
      assertEquals(state.network().layer(li.index()).nnz(), li.nnz());
    }
    assertTrue(text.startsWith("{\"manifest_crc32c\":\""), text.substring(0, 40));
  }

  @Test
  void arrayFilesHaveTheDocumentedLittleEndianLayout() throws IOException {
    TrainingPlan plan = CheckpointFixtures.plan(CheckpointFixtures.sgd(), CheckpointFixtures.sparseMethod(), 1);
    TrainingState state = trained(plan, 5);
    Checkpoint.Committed c = Checkpoint.write(fs, new Path(root, "ckpt"), state, CheckpointMeta.of(0, null));
    byte[] b = CheckpointFixtures.readBytes(fs, new Path(c.dir(), "values.l1.bin"));
    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals("STCA", new String(b, 0, 4, StandardCharsets.US_ASCII));
    assertEquals(1, bb.getShort(4));
    assertEquals(2, b[6], "float32 kind");
    float[] v = state.network().layer(1).values();
    assertEquals(v.length, bb.getLong(8));
    assertEquals(16 + 4 * v.length, b.length);
    for (int i = 0; i < v.length; i++) {
      assertEquals(Float.floatToRawIntBits(v[i]), bb.getInt(16 + 4 * i));
    }
    byte[] rp = CheckpointFixtures.readBytes(fs, new Path(c.dir(), "rowptr.l0.bin"));
    assertEquals(1, rp[6], "int32 kind");
    assertEquals(SPEC.sizes()[1] + 1, ByteBuffer.wrap(rp).order(ByteOrder.LITTLE_ENDIAN).getLong(8));
  }

  @Test
  void aNewerFormatVersionIsRefusedWithAClearMessage() throws IOException {
    TrainingPlan plan = CheckpointFixtures.plan(CheckpointFixtures.sgd(), CheckpointFixtures.sparseMethod(), 1);
    Checkpoint.Committed c = Checkpoint.write(fs, new Path(root, "ckpt"), trained(plan, 3), CheckpointMeta.of(0, null));
    ObjectNode body = Manifest.read(fs, c.dir()).json();
    body.put("format_version", 3);
    CheckpointFixtures.writeBytes(fs, new Path(c.dir(), "manifest.json"), Manifest.encode(body));
    CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.read(fs, c.dir(), plan.optimizer()));
    assertTrue(e.getMessage().contains("format_version 3"), e.getMessage());
  }

  @Test
  void recommittingAStepReplacesItAndLeavesNoTemporaryFolders() throws IOException {
    TrainingPlan plan = CheckpointFixtures.plan(CheckpointFixtures.sgd(), CheckpointFixtures.sparseMethod(), 1);
    TrainingState state = trained(plan, 6);
    CheckpointStore store = CheckpointStore.forRun(fs, new Path(root, "run"));
    store.commit(state, CheckpointMeta.of(0, null).withExtra("v", 1));
    store.commit(state, CheckpointMeta.of(0, null).withExtra("v", 2));
    assertEquals(1, store.steps().size());
    assertEquals(2.0, store.latestValid().manifest().extraMetric("v"));
    for (org.apache.hadoop.fs.FileStatus st : fs.listStatus(store.dir())) {
      assertFalse(st.getPath().getName().startsWith("_"), "leftover " + st.getPath());
    }
  }

  @Test
  void anInterruptedRenameWriteIsIgnoredReportedAndCleanedUp() throws IOException {
    TrainingPlan plan = CheckpointFixtures.plan(CheckpointFixtures.sgd(), CheckpointFixtures.sparseMethod(), 1);
    CheckpointStore store = CheckpointStore.forRun(fs, new Path(root, "run"));
    store.commit(trained(plan, 4), CheckpointMeta.of(0, null));
    // a crash in the middle of writing step 8: the temporary folder holds some data files, no manifest
    Path tmpDir = new Path(store.dir(), "_tmp-step-000000008");
    fs.mkdirs(tmpDir);
    CheckpointFixtures.writeBytes(fs, new Path(tmpDir, "values.l0.bin"), new byte[40]);
    CheckpointStore.Scan scan = store.latestValid();
    assertEquals(4, scan.manifest().step());
    assertEquals(List.of("_tmp-step-000000008: interrupted write, never committed (ignored)"), scan.problems());
    store.commit(trained(plan, 12), CheckpointMeta.of(0, null));
    assertFalse(fs.exists(tmpDir), "retention removes interrupted writes older than the newest checkpoint");
  }

  @Test
  void theManifestChecksumCoversItsBody() throws IOException {
    ObjectNode body = Manifest.JSON.createObjectNode().put("a", 1);
    byte[] enc = Manifest.encode(body);
    // not a valid checkpoint manifest, but the checksum is checked first and passes
    CheckpointException e = assertThrows(CheckpointException.class, () -> Manifest.parse(enc));
    assertTrue(e.getMessage().contains("not a sparsetrain checkpoint manifest"), e.getMessage());
    byte[] bad = enc.clone();
    bad[bad.length - 4] ^= 1;
    e = assertThrows(CheckpointException.class, () -> Manifest.parse(bad));
    assertTrue(e.getMessage().contains("crc32c"), e.getMessage());
  }
}
