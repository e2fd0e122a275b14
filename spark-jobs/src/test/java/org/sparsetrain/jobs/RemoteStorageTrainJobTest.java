package org.sparsetrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sparsetrain.testing.S3ProxyServer;

/**
 * The train job on Spark with its output directory on a real HDFS (MiniDFSCluster in this JVM)
 * and on a real S3 API (S3Proxy in a child JVM, reached through S3A): checkpoints commit there; a
 * crashed run whose newest checkpoint is damaged resumes from the previous one and ends with the
 * straight run's model; the S3 secret appears in no object and no log line.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class RemoteStorageTrainJobTest {
  static final String SECRET = "S3CR3T-" + Long.toHexString(System.nanoTime()) + "-never-logged";
  static MiniDFSCluster hdfs;
  static S3ProxyServer s3;
  static SparkSession spark;
  static StringWriter logs = new StringWriter();

  @BeforeAll
  static void start() throws Exception {
    Path tmp = Files.createDirectories(Path.of(System.getProperty("sparsetrain.test.tmp", "target/test-tmp")));
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("hdfs-" + System.nanoTime()).toString());
    hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    s3 = S3ProxyServer.start(SECRET, "runs");
    SparkSession.Builder b = TestSpark.kryo("remote-storage-test");
    s3.s3aSettings().forEach((k, v) -> b.config("spark.hadoop." + k, v));
    spark = b.getOrCreate();
    captureLogs();
  }

  /** Every log line of this JVM from now on also goes to {@link #logs}. */
  static void captureLogs() {
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    Configuration c = ctx.getConfiguration();
    WriterAppender a = WriterAppender.newBuilder().setName("capture").setTarget(logs).build();
    a.start();
    c.addAppender(a);
    c.getRootLogger().addAppender(a, org.apache.logging.log4j.Level.ALL, null);
    c.getRootLogger().setLevel(org.apache.logging.log4j.Level.INFO);
    ctx.updateLoggers();
  }

  @AfterAll
  static void stop() throws Exception {
    if (spark != null) {
      spark.stop();
    }
    if (s3 != null) {
      s3.close();
    }
    if (hdfs != null) {
      hdfs.shutdown(true);
    }
  }

  static String[] train(String out) {
    return new String[] {"train", "--out", out, "--set", "data.format=synthetic", "--set", "model.layers=[24, 16, 4]",
        "--set", "data.synthetic_rows=768", "--set", "data.synthetic_test_rows=128", "--set", "training.epochs=3",
        "--set", "training.batch_size=64", "--set", "sparsity.method=rigl", "--set", "sparsity.target=0.7",
        "--set", "sparsity.update_every=4", "--set", "checkpoint.keep_last=3", "--set", "output.progress_every_seconds=0"};
  }

  static String fingerprint(FileSystem fs, String run) throws IOException {
    try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(run + "/summary.json"))) {
      return TrainJobTest.JSON.readTree(in).get("model_fingerprint").asText();
    }
  }

  /**
   * Straight run A; run B the same, then B "crashes": its summary is gone and its newest
   * checkpoint truncated. Re-running B resumes from the checkpoint before, reports the damaged
   * one, and ends with A's model.
   */
  void crashAndResume(String root) throws IOException {
    FileSystem fs = new org.apache.hadoop.fs.Path(root).getFileSystem(spark.sparkContext().hadoopConfiguration());
    var a = TrainJobTest.run(train(root + "/a"));
    assertEquals(0, a.code(), a.err());
    var b = TrainJobTest.run(train(root + "/b"));
    assertEquals(0, b.code(), b.err());
    assertEquals(fingerprint(fs, root + "/a"), fingerprint(fs, root + "/b"), "same config, same model");

    FileStatus[] steps = fs.listStatus(new org.apache.hadoop.fs.Path(root + "/b/checkpoints"));
    Arrays.sort(steps, Comparator.comparing(s -> s.getPath().getName()));
    assertEquals(3, steps.length, "one checkpoint per epoch: " + Arrays.toString(steps));
    fs.delete(new org.apache.hadoop.fs.Path(root + "/b/summary.json"), false);
    org.apache.hadoop.fs.Path newest = steps[steps.length - 1].getPath();
    org.apache.hadoop.fs.Path victim = new org.apache.hadoop.fs.Path(newest, "values.l0.bin");
    byte[] bytes;
    try (InputStream in = fs.open(victim)) {
      bytes = in.readAllBytes();
    }
    try (OutputStream out = fs.create(victim, true)) {
      out.write(bytes, 0, bytes.length / 2);
    }

    var resumed = TrainJobTest.run(train(root + "/b"));
    assertEquals(0, resumed.code(), resumed.err());
    assertTrue(resumed.out().contains("checkpoint skipped: " + newest.getName()), resumed.out());
    assertTrue(resumed.out().contains("resuming from") && resumed.out().contains(steps[1].getPath().getName()), resumed.out());
    assertEquals(fingerprint(fs, root + "/a"), fingerprint(fs, root + "/b"), "resumed run ends with the straight run's model");
  }

  @Test
  void hdfsRunsCheckpointAndResume() throws IOException {
    crashAndResume(hdfs.getURI() + "/runs");
  }

  @Test
  void s3RunsCheckpointAndResumeAndTheSecretIsNowhere() throws IOException {
    crashAndResume("s3a://runs/job");
    byte[] secret = SECRET.getBytes(StandardCharsets.UTF_8);
    List<Path> leaks = new ArrayList<>();
    try (Stream<Path> files = Files.walk(s3.blobs())) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        if (indexOf(Files.readAllBytes(f), secret) >= 0) {
          leaks.add(f);
        }
      }
    }
    assertTrue(leaks.isEmpty(), "the secret leaked into " + leaks);
    assertTrue(logs.toString().length() > 0, "log capture works");
    assertFalse(logs.toString().contains(SECRET), "the secret appears in a log line");
    assertTrue(Files.walk(s3.blobs()).anyMatch(p -> p.getFileName().toString().equals("manifest.json")), "checkpoints were written to S3");
  }

  static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
