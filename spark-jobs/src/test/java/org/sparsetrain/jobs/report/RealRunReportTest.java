package org.sparsetrain.jobs.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparsetrain.jobs.report.ReportAssertions.assertReport;
import static org.sparsetrain.jobs.report.ReportAssertions.size;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsetrain.jobs.TrainJob;
import org.sparsetrain.jobs.config.JobConfig;
import org.sparsetrain.jobs.config.TrainSetup;
import org.sparsetrain.training.LocalTrainer;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.data.BatchSampler;
import org.sparsetrain.training.nn.Network;

/** Reports of real (tiny) training runs, with and without the final model. */
class RealRunReportTest {
  static final int W = ReportCharts.WIDTH;
  static final int H = ReportCharts.HEIGHT;

  @TempDir Path dir;

  static List<String> tiny(String... more) {
    List<String> s = new ArrayList<>(List.of("data.format=synthetic", "model.layers=[16, 12, 3]",
        "data.synthetic_rows=512", "data.synthetic_test_rows=128", "training.epochs=2", "training.batch_size=32",
        "sparsity.update_every=5", "output.progress_every_seconds=0", "distribution.mode=local", "output.report=false"));
    s.addAll(List.of(more));
    return s;
  }

  static JsonNode train(Path out, List<String> sets) throws IOException {
    return TrainJob.run(JobConfig.load(null, sets), out.toString(), new PrintStream(new ByteArrayOutputStream()));
  }

  /** The run's final model, trained again the same way (training is reproducible: same fingerprint). */
  static Network model(List<String> sets, JsonNode summary) throws IOException {
    JobConfig cfg = JobConfig.load(null, sets);
    TrainJob.Data data = TrainJob.loadData(cfg, new Configuration());
    long total = new BatchSampler(data.train().rows(), cfg.getInt("training.batch_size"), cfg.getLong("training.seed"))
        .stepsPerEpoch() * cfg.getInt("training.epochs");
    var result = new LocalTrainer(TrainSetup.model(cfg), TrainSetup.plan(cfg, total))
        .train(data.train(), data.test(), TrainingListener.NONE);
    assertEquals(summary.get("model_fingerprint").asText(), result.fingerprint(), "the model is the run's own");
    return result.network();
  }

  @Test
  void tinySetRunWithoutModel() throws IOException {
    Path run = dir.resolve("set");
    List<String> sets = tiny();
    train(run, sets);
    RunReport.Result r = RunReport.write(run.toString(), null, new Configuration());
    String html = assertReport(run, r, RunReportTest.metricPlots(true));
    assertTrue(html.contains("16 → 12") && html.contains("12 → 3"));
    assertTrue(html.contains("method: set"));
  }

  @Test
  void tinySetRunWithModelHasConnectivityPlots() throws IOException {
    Path run = dir.resolve("set-model");
    List<String> sets = tiny();
    Network net = model(sets, train(run, sets));
    RunReport.Result r = RunReport.write(run.toString(), net, new Configuration());
    Map<String, int[]> expected = RunReportTest.metricPlots(true);
    expected.put("layer1_in_degree.png", size(W, H));
    // 16 inputs = 4 × 4: a heat map; 12 inputs of layer 2: bars
    expected.put("layer1_out_degree.png", size(ReportCharts.HEAT_WIDTH, ReportCharts.HEAT_HEIGHT));
    expected.put("layer2_in_degree.png", size(W, H));
    expected.put("layer2_out_degree.png", size(W, H));
    String html = assertReport(run, r, expected);
    assertTrue(html.contains("4×4 image"));
    Connectivity c = Connectivity.of(net.layer(0));
    assertTrue(html.contains(String.format("%,d", c.nnz())), "non-zeros of layer 1 in the layer table");
  }

  @Test
  void oneEpochDenseRunOf784InputsDrawsTheInputsAsAnImage() throws IOException {
    Path run = dir.resolve("dense");
    List<String> sets = tiny("model.layers=[784, 10, 3]", "sparsity.method=dense", "training.epochs=1",
        "data.synthetic_rows=128", "data.synthetic_test_rows=64");
    Network net = model(sets, train(run, sets));
    RunReport.Result r = RunReport.write(run.toString(), net, new Configuration());
    Map<String, int[]> expected = RunReportTest.metricPlots(false);
    expected.put("layer1_in_degree.png", size(W, H));
    expected.put("layer1_out_degree.png", size(ReportCharts.HEAT_WIDTH, ReportCharts.HEAT_HEIGHT));
    expected.put("layer2_in_degree.png", size(W, H));
    expected.put("layer2_out_degree.png", size(W, H));
    String html = assertReport(run, r, expected);
    assertTrue(html.contains("28×28 image"));
    assertTrue(html.contains("No mask updates"));
  }

  @Test
  void aModelOfAnotherRunIsRefused() throws IOException {
    Path run = dir.resolve("set");
    List<String> sets = tiny("training.epochs=1");
    train(run, sets);
    List<String> other = tiny("model.layers=[16, 8, 3]", "training.epochs=1");
    Path otherRun = dir.resolve("other");
    Network wrong = model(other, train(otherRun, other));
    var e = assertThrows(IllegalArgumentException.class, () -> RunReport.write(run.toString(), wrong, new Configuration()));
    assertTrue(e.getMessage().contains("not this run's model"), e.getMessage());
    assertTrue(Files.notExists(run.resolve("report/index.html")));
  }
}
