package org.sparsetrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The train job end to end through Main, as a user or scheduler meets it. */
class TrainJobTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String FMNIST = "/usr/share/datasets/fashion-mnist";

  @TempDir Path dir;

  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(args, new PrintStream(out, true), new PrintStream(err, true));
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static String[] train(Path out, String... sets) {
    List<String> a = new ArrayList<>(List.of("train", "--out", out.toString(),
        "--set", "data.format=synthetic", "--set", "model.layers=[32, 24, 4]",
        "--set", "data.synthetic_rows=2048", "--set", "data.synthetic_test_rows=512",
        "--set", "training.epochs=3", "--set", "training.batch_size=64", "--set", "sparsity.update_every=20",
        "--set", "output.progress_every_seconds=0", "--set", "distribution.mode=local", "--set", "output.report=false"));
    for (String s : sets) {
      a.add("--set");
      a.add(s);
    }
    return a.toArray(new String[0]);
  }

  @Test
  void setRunWritesSummaryMetricsAndConfig() throws IOException {
    Path out = dir.resolve("run");
    Result r = run(train(out, "sparsity.method=set", "sparsity.target=0.8"));
    assertEquals(0, r.code(), r.err());
    JsonNode s = JSON.readTree(out.resolve("summary.json").toFile());
    for (String k : List.of("test_accuracy", "density_per_layer", "global_density", "steps", "epochs",
        "samples_per_second", "wall_seconds", "model_fingerprint")) {
      assertTrue(s.has(k), "summary.json lacks " + k);
    }
    assertEquals(0.2, s.get("global_density").asDouble(), 1.0 / (32 * 24 + 24 * 4));
    assertEquals(3 * (2048 / 64), s.get("steps").asLong());
    assertTrue(s.get("test_accuracy").asDouble() > 0.5, "4 classes: well above chance, got " + s.get("test_accuracy"));
    List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
    long epochs = lines.stream().filter(l -> l.contains("\"type\":\"epoch\"")).count();
    long updates = lines.stream().filter(l -> l.contains("\"type\":\"mask_update\"")).count();
    assertEquals(3, epochs);
    assertTrue(updates > 0, "SET updated masks");
    for (String l : lines) {
      JSON.readTree(l);
    }
    assertTrue(Files.readString(out.resolve("config.yaml")).contains("method: set"));
    assertTrue(r.out().contains("test accuracy"), r.out());
  }

  @Test
  void sameConfigGivesSameFingerprintAndSeedChangesIt() throws IOException {
    Result a = run(train(dir.resolve("a"), "sparsity.method=set"));
    Result b = run(train(dir.resolve("b"), "sparsity.method=set"));
    Result c = run(train(dir.resolve("c"), "sparsity.method=set", "training.seed=7"));
    assertEquals(0, a.code() + b.code() + c.code(), a.err() + b.err() + c.err());
    String fa = JSON.readTree(dir.resolve("a/summary.json").toFile()).get("model_fingerprint").asText();
    String fb = JSON.readTree(dir.resolve("b/summary.json").toFile()).get("model_fingerprint").asText();
    String fc = JSON.readTree(dir.resolve("c/summary.json").toFile()).get("model_fingerprint").asText();
    assertEquals(fa, fb);
    assertNotEquals(fa, fc);
  }

  @Test
  void badConfigExitsTwoAndLeavesNoSummary() {
    for (String[] bad : List.of(
        new String[] {"sparsity.target=1.0"},
        new String[] {"model.layers=[32, 0, 4]"},
        new String[] {"sparsity.method=magic"},
        new String[] {"training.epochz=3"})) {
      Path out = dir.resolve("bad-" + Arrays.hashCode(bad));
      Result r = run(train(out, bad));
      assertEquals(Main.USAGE, r.code(), Arrays.toString(bad) + ": " + r.err());
      String key = bad[0].substring(0, bad[0].indexOf('=')).replace("model.layers", "model.layers[1]");
      assertTrue(r.err().contains(key), "error names " + key + ": " + r.err());
      assertEquals(1, r.err().strip().lines().count(), "one-line error: " + r.err());
      assertFalse(Files.exists(out.resolve("summary.json")));
    }
  }

  @Test
  void missingAndTruncatedIdxFilesExitThreeNamingTheFile() throws IOException {
    Path missing = dir.resolve("nope-images.gz");
    Result r = run("train", "--out", dir.resolve("m").toString(), "--set", "distribution.mode=local",
        "--set", "data.train_images=" + missing);
    assertEquals(Main.BAD_DATA, r.code(), r.err());
    assertTrue(r.err().contains("nope-images.gz"), r.err());
    assertFalse(Files.exists(dir.resolve("m/summary.json")));

    Path truncated = dir.resolve("trunc-images.gz");
    byte[] full = Files.readAllBytes(Path.of(FMNIST, "t10k-images-idx3-ubyte.gz"));
    Files.write(truncated, Arrays.copyOf(full, full.length / 3));
    Result t = run("train", "--out", dir.resolve("t").toString(), "--set", "distribution.mode=local",
        "--set", "data.train_images=" + truncated,
        "--set", "data.train_labels=" + FMNIST + "/t10k-labels-idx1-ubyte.gz");
    assertEquals(Main.BAD_DATA, t.code(), t.err());
    assertTrue(t.err().contains("trunc-images.gz"), t.err());
    assertFalse(Files.exists(dir.resolve("t/summary.json")));
  }

  @Test
  void labelOutsideClassCountExitsThreeNamingRowAndLabel() throws IOException {
    // a valid IDX pair whose labels go up to 9 while the model has 5 classes
    Path images = dir.resolve("img.idx");
    Path labels = dir.resolve("lab.idx.gz");
    int rows = 6;
    byte[] img = new byte[16 + rows * 4];
    java.nio.ByteBuffer.wrap(img).putInt(0x803).putInt(rows).putInt(2).putInt(2);
    Files.write(images, img);
    byte[] lab = new byte[8 + rows];
    java.nio.ByteBuffer.wrap(lab).putInt(0x801).putInt(rows);
    for (int i = 0; i < rows; i++) {
      lab[8 + i] = (byte) (i == 4 ? 9 : i % 5);
    }
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(labels))) {
      o.write(lab);
    }
    Result r = run("train", "--out", dir.resolve("l").toString(), "--set", "distribution.mode=local", "--set", "model.layers=[4, 3, 5]",
        "--set", "data.train_images=" + images, "--set", "data.train_labels=" + labels,
        "--set", "data.test_images=" + images, "--set", "data.test_labels=" + labels, "--set", "training.batch_size=2");
    assertEquals(Main.BAD_DATA, r.code(), r.err());
    assertTrue(r.err().contains("row 4") && r.err().contains("label 9"), r.err());
    assertFalse(Files.exists(dir.resolve("l/summary.json")));
  }

  /**
   * A learning rate of 1e6 diverges within a few steps: the local run stops at the step whose
   * gradient is no longer finite, with the Spark trainers' one-line error and exit code, writes no
   * summary.json, and every checkpoint it left (one per step up to then) is of an earlier step and
   * holds finite weights.
   */
  @Test
  void divergingLocalRunFailsWithTheDivergenceErrorAndWritesNoNaN() throws IOException {
    Path out = dir.resolve("diverged");
    Result r = run(train(out, "optimizer.lr=1e6", "checkpoint.every_steps=1", "checkpoint.keep_last=100",
        "checkpoint.keep_best=false"));
    assertEquals(Main.FAILED, r.code(), r.err());
    java.util.regex.Matcher m = java.util.regex.Pattern
        .compile("^error: step (\\d+): the gradient is not finite or exceeds 2\\^21 in magnitude"
            + " \\(training diverged; lower optimizer\\.lr\\)$").matcher(r.err().strip());
    assertTrue(m.matches(), "one-line divergence error: " + r.err());
    long divergedAt = Long.parseLong(m.group(1));
    assertFalse(Files.exists(out.resolve("summary.json")), "a diverged run writes no summary.json");
    org.apache.hadoop.fs.FileSystem fs = org.apache.hadoop.fs.FileSystem.getLocal(new org.apache.hadoop.conf.Configuration());
    List<Path> checkpoints;
    try (var dirs = Files.list(out.resolve("checkpoints"))) {
      checkpoints = dirs.filter(d -> d.getFileName().toString().startsWith("step-")).sorted().toList();
    }
    assertEquals(divergedAt - 1, checkpoints.size(), "one checkpoint per step before the diverged one: " + checkpoints);
    for (Path c : checkpoints) {
      var read = org.sparsetrain.training.checkpoint.Checkpoint.read(fs, new org.apache.hadoop.fs.Path(c.toUri()),
          new org.sparsetrain.training.optim.Sgd(0.9, true, 5e-4, false));
      assertTrue(read.step() < divergedAt, c + " is of step " + read.step());
      for (int l = 0; l < read.network().layerCount(); l++) {
        var layer = read.network().layer(l);
        for (float[] a : List.of(Arrays.copyOf(layer.values(), layer.nnz()), layer.bias())) {
          for (float v : a) {
            assertTrue(Float.isFinite(v), c + " layer " + l + " holds " + v);
          }
        }
      }
    }
  }

  /**
   * An invalid value is blamed on where it came from, once: the config file, a {@code --conf
   * spark.sparsetrain.*} property (as spark-submit passes it) or a {@code --set} argument.
   */
  @Test
  void anInvalidValueNamesWhereItCameFrom() throws IOException {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "sparsity:\n  target: 1.5\n");
    Path good = dir.resolve("good.yaml");
    Files.writeString(good, "sparsity:\n  target: 0.8\n");
    String problem = "sparsity.target must be in [0,1), got 1.5";

    Result file = run("train", "--config", bad.toString(), "--out", dir.resolve("f").toString());
    assertEquals(Main.USAGE, file.code(), file.err());
    assertEquals("error: " + bad + ": " + problem, file.err().strip());

    Result set = run("train", "--config", good.toString(), "--out", dir.resolve("s").toString(),
        "--set", "sparsity.target=1.5");
    assertEquals(Main.USAGE, set.code(), set.err());
    assertEquals("error: --set sparsity.target=1.5: " + problem, set.err().strip());

    try {
      System.setProperty("spark.sparsetrain.sparsity.target", "1.5");
      Result conf = run("train", "--config", good.toString(), "--out", dir.resolve("c").toString());
      assertEquals(Main.USAGE, conf.code(), conf.err());
      assertEquals("error: --conf spark.sparsetrain.sparsity.target=1.5: " + problem, conf.err().strip());
    } finally {
      System.clearProperty("spark.sparsetrain.sparsity.target");
    }
    for (String d : List.of("f", "s", "c")) {
      assertFalse(Files.exists(dir.resolve(d)), "nothing written before the config is valid: " + d);
    }
  }

  @Test
  void aDataPathThatIsADirectoryIsReportedAsOneBeforeAnythingRuns() throws IOException {
    Path folder = Files.createDirectories(dir.resolve("fashion"));
    Path out = dir.resolve("dirdata");
    for (String mode : List.of("local", "driver")) {
      Result r = run("train", "--out", out.toString(), "--set", "distribution.mode=" + mode,
          "--set", "data.train_images=" + folder);
      assertEquals(Main.BAD_DATA, r.code(), r.err());
      assertEquals("error: " + folder + ": is a directory, but data.train_images (--set data.train_images=" + folder
          + ") must name a file: an IDX file, gzipped or plain", r.err().strip(), mode);
      assertFalse(Files.exists(out), "checked before the output directory is created");
    }
  }

  /**
   * An output directory that cannot be created is reported at start-up with the reason and the fix:
   * here a path under a regular file, which fails for root too (unlike permission bits).
   */
  @Test
  void anOutputDirectoryUnderAFileIsReportedAtStartUp() throws IOException {
    Path file = Files.writeString(dir.resolve("plain-file"), "x");
    Path out = file.resolve("run");
    Result r = run(train(out));
    assertEquals(Main.USAGE, r.code(), r.err());
    assertEquals("error: --out " + out + ": cannot create the output directory (" + file
        + " is a file, not a directory); choose a writable --out", r.err().strip());
    assertFalse(r.out().contains("sparsetrain train:"), "nothing started: " + r.out());
  }

  /** An output directory whose parent denies writing (skipped as root, for whom permission bits do not apply). */
  @Test
  void anOutputDirectoryUnderAReadOnlyDirectoryIsReportedAtStartUp() throws IOException {
    Path ro = Files.createDirectories(dir.resolve("ro"));
    assertTrue(ro.toFile().setWritable(false, false));
    try {
      org.junit.jupiter.api.Assumptions.assumeFalse(Files.isWritable(ro), "running as root: permission bits do not stop writes");
      Path out = ro.resolve("x");
      Result r = run(train(out));
      assertEquals(Main.USAGE, r.code(), r.err());
      assertEquals("error: --out " + out + ": cannot create the output directory (permission denied on " + ro
          + "); choose a writable --out", r.err().strip());
    } finally {
      ro.toFile().setWritable(true, false);
    }
  }

  /**
   * An {@code s3a://} output whose endpoint does not answer (a closed local port) fails at start-up
   * with the endpoint and the fix, after a bounded probe rather than S3A's minutes of retries.
   */
  @Test
  @org.junit.jupiter.api.Timeout(60)
  void anUnreachableS3EndpointFailsFastNamingTheEndpoint() throws IOException {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    String endpoint = "http://127.0.0.1:" + port;
    java.util.Map<String, String> props = java.util.Map.of("spark.hadoop.fs.s3a.endpoint", endpoint,
        "spark.hadoop.fs.s3a.path.style.access", "true", "spark.hadoop.fs.s3a.endpoint.region", "us-east-1",
        "spark.hadoop.fs.s3a.access.key", "k", "spark.hadoop.fs.s3a.secret.key", "s",
        "spark.hadoop.fs.s3a.connection.ssl.enabled", "false");
    props.forEach(System::setProperty);
    try {
      String[] args = train(dir.resolve("x"));
      args[2] = "s3a://runs/job";   // --out
      Result r = run(args);
      assertEquals(Main.IO, r.code(), r.err());
      assertTrue(r.err().strip().matches("error: --out s3a://runs/job: cannot reach the endpoint " + java.util.regex.Pattern.quote(endpoint)
          + " \\(.*Connect.*\\); check fs.s3a.endpoint / network"), r.err());
      assertEquals(1, r.err().strip().lines().count(), r.err());
    } finally {
      props.keySet().forEach(System::clearProperty);
    }
  }

  @Test
  void finishedOutputDirectoryIsNotOverwritten() {
    Path out = dir.resolve("done");
    assertEquals(0, run(train(out, "sparsity.method=static")).code());
    Result again = run(train(out, "sparsity.method=static"));
    assertEquals(Main.USAGE, again.code());
    assertTrue(again.err().contains("finished run"), again.err());
  }

  @Test
  void helpListsOptionsAndExitsZero() {
    Result r = run("train", "--help");
    assertEquals(0, r.code());
    assertTrue(r.out().contains("--config") && r.out().contains("--set") && r.out().contains("--out"), r.out());
  }

  @Test
  void impRunsItsPhasesToTheTargetDensity() throws IOException {
    Path out = dir.resolve("imp");
    Result r = run(train(out, "sparsity.method=imp", "sparsity.target=0.75", "sparsity.imp_phases=2", "training.epochs=1"));
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("IMP phase 2: test accuracy"), r.out());
    JsonNode s = JSON.readTree(out.resolve("summary.json").toFile());
    assertEquals(0.25, s.get("global_density").asDouble(), 1.0 / (32 * 24 + 24 * 4));
    assertTrue(s.get("test_accuracy").asDouble() > 0.4, s.toString());
  }
}
