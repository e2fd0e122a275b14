package org.sparsetrain.jobs.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparsetrain.jobs.report.ReportAssertions.assertReport;
import static org.sparsetrain.jobs.report.ReportAssertions.size;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsetrain.jobs.output.ExitCodes;

/** Reports of run directories written by the test: 3 epochs and 2 mask updates, unfinished, broken. */
class RunReportTest {
  static final int W = ReportCharts.WIDTH;
  static final int H = ReportCharts.HEIGHT;
  static final String FINGERPRINT = "0f3c9a51d2e4b7a86c1f0e9d8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b";

  @TempDir Path dir;

  /** A run of a 64-32-4 MLP: 3 epochs of 40 steps in groups of 20 (the last group of an epoch ends it), updates at 30 and 60. */
  static void writeRun(Path run, boolean withSummary) throws IOException {
    Files.createDirectories(run);
    Files.writeString(run.resolve("config.yaml"), String.join("\n",
        "model:", "  layers:", "  - 64", "  - 32", "  - 4", "  activation: relu",
        "sparsity:", "  method: rigl", "  target: 0.8", "  distribution: erk", "  update_every: 30",
        "training:", "  epochs: 3", "  batch_size: 16", "  seed: 7", ""));
    StringBuilder m = new StringBuilder();
    double[] loss = {1.31, 1.02, 0.84, 0.71, 0.64, 0.59};
    double[] target = {0.1667, 0.3125, 1.0};
    for (int e = 0; e < 3; e++) {
      for (int g = 0; g < 2; g++) {
        int i = 2 * e + g;
        long from = 40L * e + 20L * g + 1;
        double compute = 3.1 + 0.2 * g;
        double overhead = 1.4 - 0.1 * i;
        m.append(String.format(Locale.ROOT,
            "{\"type\":\"steps\",\"from_step\":%d,\"to_step\":%d,\"epoch\":%d,\"loss\":%.4f,\"accuracy\":%.4f,\"lr\":%.5f,"
                + "\"step_ms\":%.4f,\"compute_ms\":%.4f,\"overhead_ms\":%.4f,\"bytes_sent_per_step\":9216,\"bytes_received_per_step\":9216}%n",
            from, from + 19, e, loss[i], 0.45 + 0.08 * i, 0.1 * Math.cos(i / 6.0), compute + overhead, compute, overhead));
        if (i == 1 || i == 3) {
          long step = i == 1 ? 30 : 60;
          m.append(String.format(Locale.ROOT,
              "{\"type\":\"mask_update\",\"step\":%d,\"churn\":[%.4f,%.4f,0.0],\"density\":[0.1667,0.3125,1.0],\"millis\":4.2}%n",
              step, 0.30 / (1 + i), 0.25 / (1 + i)));
        }
      }
      m.append(String.format(Locale.ROOT,
          "{\"type\":\"epoch\",\"epoch\":%d,\"step\":%d,\"train_loss\":%.4f,\"train_accuracy\":%.4f,\"eval_loss\":%.4f,"
              + "\"eval_accuracy\":%.4f,\"density\":[0.1667,0.3125,1.0],\"target_density\":[%s],\"wall_seconds\":%.2f,"
              + "\"samples_per_second\":%.1f}%n",
          e, 40 * (e + 1), (loss[2 * e] + loss[2 * e + 1]) / 2, 0.5 + 0.1 * e, 0.9 - 0.12 * e, 0.55 + 0.09 * e,
          target[0] + "," + target[1] + "," + target[2], 0.4 * (e + 1), 4100.0 + 50 * e));
    }
    Files.writeString(run.resolve("metrics.jsonl"), m.toString());
    if (withSummary) {
      Files.writeString(run.resolve("summary.json"), "{\"test_accuracy\":0.7312,\"test_loss\":0.6543,"
          + "\"density_per_layer\":[0.1667,0.3125,1.0],\"target_density_per_layer\":[0.1667,0.3125,1.0],"
          + "\"global_density\":0.2,\"requested_sparsity\":0.8,\"nnz\":476,\"method\":\"rigl\",\"distribution\":\"erk\","
          + "\"steps\":120,\"epochs\":3,\"samples_per_second\":4150.5,\"wall_seconds\":1.25,\"seed\":7,"
          + "\"model_fingerprint\":\"" + FINGERPRINT + "\"}");
    }
  }

  static Map<String, int[]> metricPlots(boolean churn) {
    Map<String, int[]> e = new LinkedHashMap<>();
    for (String f : new String[] {"loss_epochs.png", "loss_steps.png", "accuracy.png", "learning_rate.png",
        "density.png", "step_time.png"}) {
      e.put(f, size(W, H));
    }
    if (churn) {
      e.put("churn.png", size(W, H));
    }
    return e;
  }

  @Test
  void finishedRunGetsEveryMetricPlotAndTheSummary() throws IOException {
    Path run = dir.resolve("run");
    writeRun(run, true);
    RunReport.Result r = RunReport.write(run.toString(), null, new Configuration());
    assertEquals(run.resolve("report/index.html").toUri().getPath(), r.index().toUri().getPath());
    String html = assertReport(run, r, metricPlots(true));
    assertTrue(html.contains(FINGERPRINT), "fingerprint in the header table");
    assertTrue(html.contains("0.7312"), "test accuracy in the header table");
    assertTrue(html.contains("4,150") || html.contains("4,151"), "samples/s in the header table");
    assertTrue(html.contains("64 → 32") && html.contains("32 → 4"), "layer shapes from config.yaml");
    assertTrue(html.contains("method: rigl"), "the config is shown");
    assertTrue(html.contains("2 mask updates") && html.contains("layer 3"), "churn caption names the unchanged layer");
    assertTrue(html.contains("connectivity plots"), "the page says why connectivity is missing");
    assertFalse(html.contains("unfinished"));
  }

  @Test
  void reportReplacesAnEarlierOneAndAnUnfinishedRunIsMarked() throws IOException {
    Path run = dir.resolve("run");
    writeRun(run, false);
    Files.createDirectories(run.resolve("report"));
    Files.writeString(run.resolve("report/stale_plot.png"), "not a png");
    // a Hadoop URI as well as a plain path
    RunReport.Result r = RunReport.write(run.toUri().toString(), null, new Configuration());
    String html = assertReport(run, r, metricPlots(true));
    assertTrue(html.contains("unfinished run"), "no summary.json: marked unfinished");
    assertTrue(html.contains("epochs finished"));
  }

  @Test
  void denseRunWithOneEpochAndNoSummaryArrays() throws IOException {
    Path run = dir.resolve("dense");
    Files.createDirectories(run);
    Files.writeString(run.resolve("metrics.jsonl"),
        "{\"type\":\"steps\",\"from_step\":1,\"to_step\":8,\"epoch\":0,\"loss\":0.9,\"accuracy\":0.6,\"lr\":0.05,"
            + "\"step_ms\":2.0,\"compute_ms\":2.0,\"overhead_ms\":0.0,\"bytes_sent_per_step\":0,\"bytes_received_per_step\":0}\n"
            + "{\"type\":\"epoch\",\"epoch\":0,\"step\":8,\"train_loss\":0.9,\"train_accuracy\":0.6,\"eval_loss\":NaN,"
            + "\"eval_accuracy\":0.61,\"density\":[1.0,1.0],\"target_density\":[1.0,1.0],\"wall_seconds\":0.1,\"samples_per_second\":900}\n"
            + "{\"type\":\"something_new\",\"x\":1}\n");
    Files.writeString(run.resolve("summary.json"), "{\"test_accuracy\":0.61,\"steps\":8,\"epochs\":1,\"method\":\"dense\"}");
    RunReport.Result r = RunReport.write(run.toString(), null, new Configuration());
    String html = assertReport(run, r, metricPlots(false));
    assertTrue(html.contains("No mask updates"), "the page says why there is no churn plot");
    assertTrue(html.contains("no config.yaml"));
  }

  @Test
  void oneEpochWithOneMaskUpdate() throws IOException {
    Path run = dir.resolve("short");
    writeRun(run, false);
    List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
    Files.write(run.resolve("metrics.jsonl"), lines.subList(0, 4)); // steps, steps, mask_update, epoch 0
    RunReport.Result r = RunReport.write(run.toString(), null, new Configuration());
    String html = assertReport(run, r, metricPlots(true));
    assertTrue(html.contains("each of the 1 mask updates"), "one update plotted");
  }

  @Test
  void notARunDirectoryAndBrokenMetricsFailClearly() throws IOException {
    Path empty = Files.createDirectories(dir.resolve("empty"));
    var e = assertThrows(FileNotFoundException.class, () -> RunReport.write(empty.toString(), null, new Configuration()));
    assertTrue(e.getMessage().contains("not a run directory"), e.getMessage());

    Path run = dir.resolve("broken");
    writeRun(run, true);
    Files.writeString(run.resolve("metrics.jsonl"), Files.readString(run.resolve("metrics.jsonl")) + "{\"type\":\"ste");
    var b = assertThrows(IOException.class, () -> RunReport.write(run.toString(), null, new Configuration()));
    assertTrue(b.getMessage().contains("line 12 is not JSON"), b.getMessage());
  }

  @Test
  void mainWritesTheReportAndReportsUsageAndIoErrorsByExitCode() throws IOException {
    Path run = dir.resolve("run");
    writeRun(run, true);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream er = new PrintStream(err, true, StandardCharsets.UTF_8);
    assertEquals(ExitCodes.OK, RunReport.run(new String[] {run.toString()}, o, er), err.toString(StandardCharsets.UTF_8));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("index.html (7 plots)"), out.toString(StandardCharsets.UTF_8));
    assertTrue(Files.isRegularFile(run.resolve("report/index.html")));
    assertEquals(ExitCodes.USAGE, RunReport.run(new String[] {}, o, er));
    assertEquals(ExitCodes.USAGE, RunReport.run(new String[] {"a", "b"}, o, er));
    assertEquals(ExitCodes.OK, RunReport.run(new String[] {"--help"}, o, er));
    assertEquals(ExitCodes.IO, RunReport.run(new String[] {dir.resolve("missing").toString()}, o, er));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("not a run directory"));
  }

  @Test
  void metricsParserReadsEveryKindOfLine() throws IOException {
    Path run = dir.resolve("run");
    writeRun(run, true);
    RunMetrics m = RunMetrics.parse(Files.readString(run.resolve("metrics.jsonl")), "metrics.jsonl");
    assertEquals(6, m.steps().size());
    assertEquals(2, m.maskUpdates().size());
    assertEquals(3, m.epochs().size());
    assertEquals(3, m.layerCount());
    assertEquals(60, m.maskUpdates().get(1).step());
    assertEquals(0.30 / 4, m.maskUpdates().get(1).churn()[0], 1e-4);
    assertEquals(120, m.epochs().get(2).step());
    assertEquals(41, m.steps().get(2).fromStep());
    assertEquals(3.1 + 1.2, m.steps().get(2).stepMs(), 1e-4);
  }
}
