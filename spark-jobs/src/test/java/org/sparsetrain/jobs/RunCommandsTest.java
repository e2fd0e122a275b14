package org.sparsetrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsetrain.training.checkpoint.SafetensorsExport;
import org.sparsetrain.training.nn.Fingerprint;

/** evaluate, export and report on a finished run directory, and --help of every job. */
class RunCommandsTest {
  @TempDir static Path dir;
  static Path run;
  static JsonNode summary;

  @BeforeAll
  static void trainOnce() throws IOException {
    run = dir.resolve("run");
    var r = TrainJobTest.run(TrainJobTest.train(run, "sparsity.method=rigl", "sparsity.target=0.7", "output.report=true"));
    assertEquals(0, r.code(), r.err());
    summary = TrainJobTest.JSON.readTree(run.resolve("summary.json").toFile());
  }

  @Test
  void evaluateReproducesTheRunsTestAccuracyWithTheSameModel() throws IOException {
    var r = TrainJobTest.run("evaluate", "--run", run.toString());
    assertEquals(0, r.code(), r.err());
    JsonNode e = TrainJobTest.JSON.readTree(r.out().strip());
    assertEquals(summary.get("test_accuracy").asDouble(), e.get("accuracy").asDouble(), 1e-9);
    assertEquals(summary.get("model_fingerprint").asText(), e.get("model_fingerprint").asText());
    assertEquals(summary.get("steps").asLong(), e.get("step").asLong());
    assertEquals(512, e.get("rows").asLong());
  }

  @Test
  void exportWritesSafetensorsHoldingExactlyTheFinalModel() throws IOException {
    Path file = dir.resolve("model.safetensors");
    var r = TrainJobTest.run("export", "--run", run.toString(), "--out", file.toString());
    assertEquals(0, r.code(), r.err());
    var fs = org.apache.hadoop.fs.FileSystem.getLocal(new Configuration());
    var net = SafetensorsExport.readNetwork(fs, new org.apache.hadoop.fs.Path(file.toString()));
    assertEquals(summary.get("model_fingerprint").asText(), Fingerprint.of(net));
  }

  @Test
  void trainWroteAReportAndReportRewritesIt() throws IOException {
    Path index = run.resolve("report/index.html");
    assertTrue(Files.exists(index), "train writes the report at the end");
    Files.delete(index);
    var r = TrainJobTest.run("report", "--run", run.toString());
    assertEquals(0, r.code(), r.err());
    String html = Files.readString(index);
    assertTrue(html.contains(".png"), "plots referenced");
    try (var pngs = Files.list(run.resolve("report"))) {
      assertTrue(pngs.filter(p -> p.toString().endsWith(".png")).count() >= 6);
    }
  }

  @Test
  void badRunDirectoriesAndDataGiveClearErrorsAndExitCodes() throws IOException {
    Path empty = Files.createDirectories(dir.resolve("empty"));
    var r = TrainJobTest.run("evaluate", "--run", empty.toString());
    assertEquals(Main.USAGE, r.code());
    assertTrue(r.err().contains("not a sparsetrain run directory"), r.err());
    var d = TrainJobTest.run("evaluate", "--run", run.toString(), "--set", "data.format=idx",
        "--set", "data.test_images=" + dir.resolve("missing-images.gz"));
    assertEquals(Main.BAD_DATA, d.code(), d.err());
    assertTrue(d.err().contains("missing-images.gz"), d.err());
  }

  @Test
  void everyJobHasHelp() {
    for (String job : List.of("train", "evaluate", "export", "report", "soup", "sweep")) {
      var r = TrainJobTest.run(job, "--help");
      assertEquals(0, r.code(), job);
      assertTrue(r.out().contains("Usage: sparsetrain " + job), job + ": " + r.out());
      assertTrue(r.out().contains("Exit codes"), job + " documents its exit codes");
    }
    var none = TrainJobTest.run();
    assertEquals(Main.USAGE, none.code());
    var unknown = TrainJobTest.run("trian");
    assertEquals(Main.USAGE, unknown.code());
  }
}
