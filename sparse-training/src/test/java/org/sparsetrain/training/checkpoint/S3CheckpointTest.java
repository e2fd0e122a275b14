package org.sparsetrain.training.checkpoint;

import org.sparsetrain.testing.S3ProxyServer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparsetrain.training.checkpoint.CheckpointFixtures.SPEC;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
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
 * A real S3 API on loopback: S3Proxy (filesystem backend, a bucket is a folder) in a child JVM,
 * reached through Hadoop's S3A with path-style access and static credentials. Checkpoints commit
 * by manifest (nothing relies on rename); a crashed run resumes to the straight run's model; the
 * S3 secret key appears in no object written.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class S3CheckpointTest {
  static final String BUCKET = "ckpt";
  /** Used as S3Proxy's credential and as fs.s3a.secret.key; must never reach an object. */
  static final String SECRET = "S3CR3T-" + Long.toHexString(System.nanoTime()) + "-do-not-write";
  static final DataBlock TRAIN = CheckpointFixtures.teacherData(256, 1);
  static final DataBlock TEST = CheckpointFixtures.teacherData(64, 2);

  static S3ProxyServer proxy;
  static java.nio.file.Path blobs;
  static FileSystem fs;

  @BeforeAll
  static void startS3Proxy() throws Exception {
    proxy = S3ProxyServer.start(SECRET, BUCKET);
    blobs = proxy.blobs();
    Configuration conf = new Configuration();
    proxy.s3aSettings().forEach(conf::set);
    fs = FileSystem.newInstance(new URI("s3a://" + BUCKET + "/"), conf);
  }

  @AfterAll
  static void stopS3Proxy() throws Exception {
    if (fs != null) {
      fs.close();
    }
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void crashedTrainingResumesFromS3ToTheStraightRunsModel() throws IOException {
    TrainingPlan plan = CheckpointFixtures.plan(CheckpointFixtures.sgd(), CheckpointFixtures.sparseMethod(), 3);
    String straight = Fingerprint.of(new LocalTrainer(SPEC, plan).train(TRAIN, TEST, TrainingListener.NONE).network());

    CheckpointStore store = CheckpointStore.forRun(fs, new Path("s3a://" + BUCKET + "/runs/sgd")).withRetention(RetentionPolicy.keepLast(2));
    assertEquals(CommitProtocol.MANIFEST, store.effectiveProtocol(), "s3a commits by manifest, not rename");
    TrainingState state = CheckpointFixtures.freshState(plan, TRAIN);
    LocalTrainer trainer = new LocalTrainer(SPEC, plan);
    List<CheckpointStore.CommitResult> log = new ArrayList<>();
    assertThrows(CheckpointFixtures.Crash.class, () -> trainer.continueTraining(state, TRAIN, TEST,
        CheckpointFixtures.checkpointing(store, state, trainer.sampler(TRAIN), 8, 30, null, log)));
    assertEquals(3, log.size());
    assertEquals(CommitProtocol.MANIFEST, log.get(0).committed().protocol());
    assertEquals(List.of(24L, 16L), steps(store));

    // an interrupted write of step 40: data files on S3, no manifest — the manifest is the commit
    Path from = new Path(store.dir(), "step-000000024");
    Path partial = new Path(store.dir(), "step-000000040");
    for (FileStatus st : fs.listStatus(from)) {
      if (!st.getPath().getName().equals("manifest.json")) {
        CheckpointFixtures.writeBytes(fs, new Path(partial, st.getPath().getName()), CheckpointFixtures.readBytes(fs, st.getPath()));
      }
    }
    CheckpointStore.RestoreResult r = store.restore(SPEC, plan.method(), plan.optimizer());
    assertEquals(24, r.checkpoint().step());
    assertEquals(List.of("step-000000040: no manifest.json (never committed, or still being written)"), r.problems());

    TrainingState resumed = r.checkpoint().toTrainingState(plan.method(), plan.learningRate(state.totalSteps()));
    List<CheckpointStore.CommitResult> log2 = new ArrayList<>();
    String end = Fingerprint.of(trainer.continueTraining(resumed, TRAIN, TEST,
        CheckpointFixtures.checkpointing(store, resumed, trainer.sampler(TRAIN), 8, 0, null, log2)).network());
    assertEquals(straight, end, "resumed from S3, same model as the straight run");
    // step 40 was re-committed over the partial folder; retention kept the last two
    assertEquals(List.of(48L, 40L), steps(store));
    assertEquals(List.of(), store.latestValid().problems());
    assertEquals(straight, Fingerprint.of(Checkpoint.read(fs, store.latestValid().dir(), plan.optimizer()).network()));
  }

  @Test
  void theS3SecretKeyIsInNoObjectWritten() throws IOException {
    assertEquals(SECRET, fs.getConf().get("fs.s3a.secret.key"));
    TrainingPlan plan = CheckpointFixtures.plan(CheckpointFixtures.adam(), CheckpointFixtures.sparseMethod(), 1);
    // a careless caller passes a config that still holds the key: the writer redacts it
    String config = "model:\n  layers: [12, 10, 4]\nspark:\n  hadoop:\n    fs.s3a.access.key: " + S3ProxyServer.ACCESS
        + "\n    fs.s3a.secret.key: " + SECRET + "\n";
    CheckpointStore store = CheckpointStore.forRun(fs, new Path("s3a://" + BUCKET + "/runs/secret"));
    TrainingState state = CheckpointFixtures.freshState(plan, TRAIN);
    LocalTrainer trainer = new LocalTrainer(SPEC, plan);
    List<CheckpointStore.CommitResult> log = new ArrayList<>();
    trainer.continueTraining(state, TRAIN, TEST, CheckpointFixtures.checkpointing(store, state, trainer.sampler(TRAIN), 5, 0, config, log));
    assertEquals(3, log.size());
    SafetensorsExport.write(fs, new Path("s3a://" + BUCKET + "/runs/secret/model.safetensors"), state.network());

    Manifest m = store.latestValid().manifest();
    assertTrue(m.config().contains("fs.s3a.secret.key: \"<redacted>\""), m.config());
    // every object S3Proxy stored, read from its backing folder, and every object listed through S3A
    byte[] needle = SECRET.getBytes(StandardCharsets.UTF_8);
    int files = 0;
    try (Stream<java.nio.file.Path> all = Files.walk(blobs)) {
      for (java.nio.file.Path p : (Iterable<java.nio.file.Path>) all.filter(Files::isRegularFile)::iterator) {
        files++;
        assertFalse(contains(Files.readAllBytes(p), needle), "secret found in " + p);
      }
    }
    assertTrue(files >= 3 * 17 + 1, "expected the checkpoints and the export on the backing store, found " + files);
    for (Path p : CheckpointFixtures.filesUnder(fs, new Path("s3a://" + BUCKET + "/runs/secret"))) {
      try (InputStream in = fs.open(p)) {
        assertFalse(contains(in.readAllBytes(), needle), "secret found in " + p);
      }
    }
  }

  static List<Long> steps(CheckpointStore store) throws IOException {
    List<Long> s = new ArrayList<>();
    for (CheckpointStore.Entry e : store.steps()) {
      s.add(e.step());
    }
    return s;
  }

  static boolean contains(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
