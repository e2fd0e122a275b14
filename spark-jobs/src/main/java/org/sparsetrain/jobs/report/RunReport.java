package org.sparsetrain.jobs.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.internal.chartpart.Chart;
import org.sparsetrain.jobs.output.ExitCodes;
import org.sparsetrain.jobs.output.RunOutput;
import org.sparsetrain.training.nn.Network;

/**
 * The report of a run: reads {@code config.yaml}, {@code metrics.jsonl} and {@code summary.json}
 * from a run directory on any Hadoop file system and writes {@code report/index.html} with PNG
 * plots beside it. The page is self-contained: it references only the PNGs in its own folder, has
 * no script and loads nothing from the network, so it can be copied anywhere and opened offline.
 *
 * <p>Plots: loss per epoch and over steps, accuracy per epoch, learning rate, per-layer density
 * (actual vs target), mask churn per update, step time (compute vs overhead), and, when the final
 * model is given, each layer's connectivity (in-degree of every output neuron and out-degree of
 * every input neuron; a square input count such as 784 = 28×28 is drawn as an image). Charts are
 * drawn headless with XChart.
 */
public final class RunReport {
  /** The report's folder inside the run directory. */
  public static final String DIR = "report";
  public static final String INDEX = "index.html";

  /** One PNG of the report. */
  public record Plot(String file, String section, String title, String caption, int width, int height) {}

  /** What {@link #write} produced. */
  public record Result(Path index, List<Plot> plots) {}

  private static final YAMLMapper YAML = new YAMLMapper();

  static {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private RunReport() {}

  /**
   * Writes {@code runDir/report/} (replacing an earlier report) and returns the page and its plots.
   *
   * @param finalModelOrNull the run's final model, for the connectivity plots; null leaves them out
   * @throws FileNotFoundException when the directory holds neither metrics nor a summary
   * @throws IllegalArgumentException when the model's layer sizes differ from the run's config
   */
  public static Result write(String runDir, Network finalModelOrNull, Configuration conf) throws IOException {
    Path dir = new Path(runDir);
    FileSystem fs = dir.getFileSystem(conf);
    dir = fs.makeQualified(dir);
    String summaryText = readIfExists(fs, new Path(dir, RunOutput.SUMMARY));
    String metricsText = readIfExists(fs, new Path(dir, RunOutput.METRICS));
    String configText = readIfExists(fs, new Path(dir, RunOutput.CONFIG));
    if (summaryText == null && metricsText == null) {
      throw new FileNotFoundException(dir + " is not a run directory: it has neither "
          + RunOutput.METRICS + " nor " + RunOutput.SUMMARY);
    }
    JsonNode summary = summaryText == null ? null : RunMetrics.JSON.readTree(summaryText);
    RunMetrics metrics = metricsText == null
        ? new RunMetrics(List.of(), List.of(), List.of())
        : RunMetrics.parse(metricsText, new Path(dir, RunOutput.METRICS).toString());
    JsonNode config = null;
    if (configText != null) {
      try {
        config = YAML.readTree(configText);
      } catch (IOException e) {
        config = null; // shown verbatim below; only the layer sizes come from the parsed form
      }
    }
    int[] sizes = layerSizes(config, finalModelOrNull);

    Path out = new Path(dir, DIR);
    fs.delete(out, true);
    fs.mkdirs(out);
    Page page = new Page(dir.toString(), summary, metrics, configText, sizes, finalModelOrNull);
    List<Plot> plots = new ArrayList<>();
    for (Rendered r : page.charts()) {
      Chart<?, ?> c = r.chart();
      if (c.getSeriesCollection().isEmpty()) {
        page.notes.add(r.title() + ": the metrics hold no finite value to plot.");
        continue;
      }
      byte[] png = BitmapEncoder.getBitmapBytes(c, BitmapFormat.PNG);
      try (OutputStream o = fs.create(new Path(out, r.file()), true)) {
        o.write(png);
      }
      plots.add(new Plot(r.file(), r.section(), r.title(), r.caption(), c.getWidth(), c.getHeight()));
    }
    String html = page.html(plots);
    Path index = new Path(out, INDEX);
    Path tmp = new Path(out, "." + INDEX + ".tmp");
    try (OutputStream o = fs.create(tmp, true)) {
      o.write(html.getBytes(StandardCharsets.UTF_8));
    }
    if (!fs.rename(tmp, index)) {
      throw new IOException("could not move " + tmp + " to " + index);
    }
    return new Result(index, List.copyOf(plots));
  }

  /** {@code RunReport RUN_DIR}: writes the report of a run without its model; exit codes as the launcher's ({@link ExitCodes}). */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 1 && (args[0].equals("-h") || args[0].equals("--help"))) {
      out.println(USAGE);
      return ExitCodes.OK;
    }
    if (args.length != 1 || args[0].startsWith("-")) {
      err.println("error: expected exactly one run directory");
      err.println(USAGE);
      return ExitCodes.USAGE;
    }
    try {
      Result r = write(args[0], null, new Configuration());
      out.println("report: " + r.index() + " (" + r.plots().size() + " plots)");
      return ExitCodes.OK;
    } catch (IOException e) {
      err.println("error: " + e.getMessage());
      return ExitCodes.IO;
    } catch (RuntimeException e) {
      err.println("error: " + e);
      return ExitCodes.FAILED;
    }
  }

  private static final String USAGE = "usage: RunReport RUN_DIR\n"
      + "  writes RUN_DIR/report/index.html and its PNG plots from the run's config.yaml, metrics.jsonl\n"
      + "  and summary.json (RUN_DIR: a local path or any Hadoop URI, e.g. hdfs://nn/runs/set)";

  private static String readIfExists(FileSystem fs, Path p) throws IOException {
    if (!fs.exists(p)) {
      return null;
    }
    try (var in = fs.open(p)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Layer widths [in, h1, …, classes]: from the model when given (checked against the config), else the config. */
  static int[] layerSizes(JsonNode config, Network model) {
    int[] fromConfig = null;
    JsonNode layers = config == null ? null : config.path("model").path("layers");
    if (layers != null && layers.isArray() && layers.size() >= 2) {
      fromConfig = new int[layers.size()];
      for (int i = 0; i < fromConfig.length; i++) {
        fromConfig[i] = layers.get(i).asInt();
      }
    }
    if (model == null) {
      return fromConfig;
    }
    int[] fromModel = model.sizes();
    if (fromConfig != null && !Arrays.equals(fromConfig, fromModel)) {
      throw new IllegalArgumentException("the model has layers " + Arrays.toString(fromModel)
          + " but the run's config.yaml says model.layers=" + Arrays.toString(fromConfig) + ": not this run's model");
    }
    return fromModel;
  }

  record Rendered(String file, String section, String title, String caption, Chart<?, ?> chart) {}

  /** Builds the charts and the HTML of one report. */
  private static final class Page {
    private final String runDir;
    private final JsonNode summary;
    private final RunMetrics m;
    private final String configText;
    private final int[] sizes;
    private final Network model;
    private final List<String> notes = new ArrayList<>();
    private List<Connectivity> connectivity = List.of();

    Page(String runDir, JsonNode summary, RunMetrics m, String configText, int[] sizes, Network model) {
      this.runDir = runDir;
      this.summary = summary;
      this.m = m;
      this.configText = configText;
      this.sizes = sizes;
      this.model = model;
    }

    List<Rendered> charts() {
      List<Rendered> r = new ArrayList<>();
      var epochs = m.epochs();
      var steps = m.steps();
      if (!epochs.isEmpty()) {
        r.add(new Rendered("loss_epochs.png", "Training", "Loss per epoch",
            "Mean training loss over each epoch and the loss on the evaluation set at its end.",
            ReportCharts.epochLoss(epochs)));
      }
      if (!steps.isEmpty()) {
        r.add(new Rendered("loss_steps.png", "Training", "Loss over steps",
            "Mean training loss of every group of " + groupSize() + " steps; diamonds: evaluation loss at the end of each epoch.",
            ReportCharts.stepLoss(steps, epochs)));
      }
      if (!epochs.isEmpty()) {
        r.add(new Rendered("accuracy.png", "Training", "Accuracy per epoch",
            "Training accuracy over each epoch and evaluation accuracy at its end.", ReportCharts.epochAccuracy(epochs)));
      }
      if (!steps.isEmpty()) {
        r.add(new Rendered("learning_rate.png", "Training", "Learning rate",
            "Learning rate at the last step of every step group.", ReportCharts.learningRate(steps)));
      }
      int layers = layerCount();
      if (!epochs.isEmpty() && layers > 0) {
        r.add(new Rendered("density.png", "Sparsity", "Density per layer",
            "Fraction of each layer's weights that are non-zero at the end of every epoch (solid) and the density the "
                + "sparsity method asks for (dashed).", ReportCharts.density(epochs, layers)));
      }
      List<Integer> changing = new ArrayList<>();
      List<Integer> fixed = new ArrayList<>();
      for (int l = 0; l < layers; l++) {
        boolean changed = false;
        for (var u : m.maskUpdates()) {
          changed |= l < u.churn().length && u.churn()[l] > 0;
        }
        (changed ? changing : fixed).add(l);
      }
      if (!m.maskUpdates().isEmpty() && !changing.isEmpty()) {
        String rest = fixed.isEmpty() ? "" : " Not shown: " + layerList(fixed) + " (no connection ever changed).";
        r.add(new Rendered("churn.png", "Sparsity", "Mask churn per update",
            "Fraction of each layer's connections dropped and regrown at each of the " + m.maskUpdates().size()
                + " mask updates." + rest, ReportCharts.churn(m.maskUpdates(), changing)));
      } else {
        notes.add(m.maskUpdates().isEmpty()
            ? "No mask updates in this run (dense, static or one-shot sparsity): no churn plot."
            : "The " + m.maskUpdates().size() + " mask updates changed no connection: no churn plot.");
      }
      if (!steps.isEmpty()) {
        r.add(new Rendered("step_time.png", "Performance", "Step time",
            "Mean wall time per step of every step group, split into local compute and the rest (Spark scheduling, "
                + "broadcast and aggregation)." + (steps.stream().allMatch(g -> !(g.overheadMs() > 0))
                    ? " No overhead was measured in this run (single-JVM trainer)." : ""),
            ReportCharts.stepTime(steps)));
      }
      if (model != null) {
        List<Connectivity> cs = new ArrayList<>();
        for (int l = 0; l < model.layerCount(); l++) {
          Connectivity c = Connectivity.of(model.layer(l));
          cs.add(c);
          String name = "layer " + (l + 1) + " (" + c.inFeatures() + " → " + c.outFeatures() + ")";
          r.add(new Rendered("layer" + (l + 1) + "_in_degree.png", "Connectivity",
              "Layer " + (l + 1) + ": in-degree of each output neuron",
              String.format(Locale.ROOT, "Incoming connections of each of the %d output neurons of %s: min %d, mean %.1f, max %d of %d possible.",
                  c.outFeatures(), name, Connectivity.min(c.inDegree()), Connectivity.mean(c.inDegree()),
                  Connectivity.max(c.inDegree()), c.inFeatures()),
              ReportCharts.degrees("Layer " + (l + 1) + ": in-degree of output neurons", "output neuron",
                  "incoming connections", c.inDegree(), ReportCharts.color(l))));
          int side = Connectivity.squareSide(c.inFeatures());
          String caption = String.format(Locale.ROOT, "Outgoing connections of each of the %d input neurons of %s: min %d, mean %.1f, max %d of %d possible; %d inputs unused.",
              c.inFeatures(), name, Connectivity.min(c.outDegree()), Connectivity.mean(c.outDegree()),
              Connectivity.max(c.outDegree()), c.outFeatures(), c.deadInputs());
          Chart<?, ?> chart;
          if (side > 0 && side <= ReportCharts.MAX_HEAT_SIDE) {
            caption += String.format(Locale.ROOT, " Drawn as a %d×%d image, input 0 at the top left, row by row.", side, side);
            chart = ReportCharts.degreeHeatMap("Layer " + (l + 1) + ": out-degree of inputs (" + side + "×" + side + ")",
                c.outDegree(), side);
          } else {
            chart = ReportCharts.degrees("Layer " + (l + 1) + ": out-degree of input neurons", "input neuron",
                "outgoing connections", c.outDegree(), ReportCharts.color(l));
          }
          r.add(new Rendered("layer" + (l + 1) + "_out_degree.png", "Connectivity",
              "Layer " + (l + 1) + ": out-degree of each input neuron", caption, chart));
        }
        connectivity = cs;
      } else {
        notes.add("No model was given to the report: the connectivity plots of each layer are left out.");
      }
      if (m.epochs().isEmpty()) {
        notes.add("metrics.jsonl has no finished epoch: no per-epoch plots.");
      }
      return r;
    }

    private int groupSize() {
      var g = m.steps().get(0);
      return (int) (g.toStep() - g.fromStep() + 1);
    }

    private int layerCount() {
      int n = m.layerCount();
      if (n == 0 && sizes != null) {
        n = sizes.length - 1;
      }
      return n;
    }

    String html(List<Plot> plots) {
      StringBuilder h = new StringBuilder(16_384);
      boolean finished = summary != null;
      h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
          .append("<title>sparsetrain report: ").append(esc(runDir)).append("</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n")
          .append("<h1>sparsetrain run report</h1>\n<p class=\"meta\">").append(esc(runDir)).append(" · generated ")
          .append(esc(ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z", Locale.ROOT))))
          .append(finished ? "" : " · <strong class=\"warn\">unfinished run: no summary.json</strong>").append("</p>\n");

      h.append("<div class=\"top\">\n<section>\n<h2>Summary</h2>\n<table class=\"kv\">\n");
      if (finished) {
        summaryRows(h);
      } else {
        row(h, "status", "unfinished (no summary.json)");
        if (!m.epochs().isEmpty()) {
          var last = m.epochs().get(m.epochs().size() - 1);
          row(h, "epochs finished", String.valueOf(last.epoch() + 1));
          row(h, "last eval accuracy", fmt(last.evalAccuracy(), 4));
          row(h, "steps", String.valueOf(last.step()));
        }
      }
      h.append("</table>\n</section>\n");
      layerTable(h);
      h.append("</div>\n");

      for (String note : notes) {
        h.append("<p class=\"note\">").append(esc(note)).append("</p>\n");
      }
      Set<String> sections = new LinkedHashSet<>();
      plots.forEach(p -> sections.add(p.section()));
      for (String section : sections) {
        h.append("<h2>").append(esc(section)).append("</h2>\n<div class=\"grid\">\n");
        for (Plot p : plots) {
          if (p.section().equals(section)) {
            h.append("<figure><img src=\"").append(esc(p.file())).append("\" width=\"").append(p.width())
                .append("\" height=\"").append(p.height()).append("\" alt=\"").append(esc(p.title())).append("\">")
                .append("<figcaption>").append(esc(p.caption())).append("</figcaption></figure>\n");
          }
        }
        h.append("</div>\n");
      }
      h.append("<h2>Configuration</h2>\n<pre class=\"config\">")
          .append(configText == null ? "(no config.yaml in the run directory)" : esc(configText.strip()))
          .append("</pre>\n</body>\n</html>\n");
      return h.toString();
    }

    private void summaryRows(StringBuilder h) {
      Set<String> shown = new LinkedHashSet<>();
      kv(h, shown, "test_accuracy", "test accuracy", 4);
      kv(h, shown, "test_loss", "test loss", 4);
      kv(h, shown, "method", "sparsity method", -1);
      kv(h, shown, "distribution", "sparsity distribution", -1);
      kv(h, shown, "requested_sparsity", "requested sparsity", 4);
      kv(h, shown, "global_density", "global density", 4);
      kv(h, shown, "nnz", "non-zero weights", -1);
      kv(h, shown, "steps", "steps", -1);
      kv(h, shown, "epochs", "epochs", -1);
      kv(h, shown, "samples_per_second", "samples / s", 0);
      kv(h, shown, "wall_seconds", "wall time (s)", 1);
      kv(h, shown, "seed", "seed", -1);
      shown.add("density_per_layer");
      shown.add("target_density_per_layer");
      for (Iterator<Map.Entry<String, JsonNode>> it = summary.fields(); it.hasNext(); ) {
        var e = it.next();
        if (!shown.contains(e.getKey()) && !e.getKey().equals("model_fingerprint")) {
          row(h, e.getKey().replace('_', ' '), value(e.getValue(), 4));
        }
      }
      if (summary.has("model_fingerprint")) {
        h.append("<tr><th>model fingerprint</th><td><code class=\"fp\">").append(esc(summary.get("model_fingerprint").asText()))
            .append("</code></td></tr>\n");
      }
    }

    private void kv(StringBuilder h, Set<String> shown, String key, String label, int digits) {
      shown.add(key);
      if (summary.has(key)) {
        row(h, label, value(summary.get(key), digits));
      }
    }

    private void layerTable(StringBuilder h) {
      double[] actual = summaryArray("density_per_layer");
      double[] target = summaryArray("target_density_per_layer");
      if (!m.epochs().isEmpty()) {
        var last = m.epochs().get(m.epochs().size() - 1);
        actual = actual != null ? actual : last.density();
        target = target != null ? target : last.targetDensity();
      }
      int n = Math.max(layerCount(), connectivity.size());
      if (n == 0) {
        return;
      }
      boolean conn = !connectivity.isEmpty();
      h.append("<section>\n<h2>Layers</h2>\n<table class=\"layers\">\n<tr><th>layer</th><th>in → out</th>")
          .append("<th>density</th><th>target</th>");
      if (conn) {
        h.append("<th>non-zeros</th><th>in-degree<br>min / mean / max</th><th>out-degree<br>min / mean / max</th>")
            .append("<th>unused inputs</th><th>outputs with no input</th>");
      }
      h.append("</tr>\n");
      for (int l = 0; l < n; l++) {
        h.append("<tr><td>").append(l + 1).append("</td><td>");
        h.append(sizes != null && l + 1 < sizes.length ? sizes[l] + " → " + sizes[l + 1] : "?");
        h.append("</td><td>").append(at(actual, l)).append("</td><td>").append(at(target, l)).append("</td>");
        if (conn && l < connectivity.size()) {
          Connectivity c = connectivity.get(l);
          h.append("<td>").append(String.format(Locale.ROOT, "%,d", c.nnz())).append("</td>")
              .append("<td>").append(degreeStats(c.inDegree())).append("</td>")
              .append("<td>").append(degreeStats(c.outDegree())).append("</td>")
              .append("<td>").append(c.deadInputs()).append("</td><td>").append(c.deadOutputs()).append("</td>");
        }
        h.append("</tr>\n");
      }
      h.append("</table>\n</section>\n");
    }

    private double[] summaryArray(String key) {
      if (summary == null || !summary.path(key).isArray()) {
        return null;
      }
      JsonNode a = summary.get(key);
      double[] v = new double[a.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = a.get(i).asDouble();
      }
      return v;
    }

    private static String degreeStats(int[] d) {
      return String.format(Locale.ROOT, "%d / %.1f / %d", Connectivity.min(d), Connectivity.mean(d), Connectivity.max(d));
    }

    private static String at(double[] v, int i) {
      return v != null && i < v.length ? fmt(v[i], 4) : "–";
    }

    private static void row(StringBuilder h, String label, String value) {
      h.append("<tr><th>").append(esc(label)).append("</th><td>").append(esc(value)).append("</td></tr>\n");
    }

    private static String value(JsonNode v, int digits) {
      if (v.isArray()) {
        List<String> parts = new ArrayList<>();
        v.forEach(x -> parts.add(value(x, digits)));
        return "[" + String.join(", ", parts) + "]";
      }
      if (v.isIntegralNumber()) {
        return String.format(Locale.ROOT, "%,d", v.asLong());
      }
      if (v.isNumber()) {
        return digits < 0 ? v.asText() : fmt(v.asDouble(), digits);
      }
      return v.isValueNode() ? v.asText() : v.toString();
    }

    private static String fmt(double v, int digits) {
      if (!Double.isFinite(v)) {
        return String.valueOf(v);
      }
      return String.format(Locale.ROOT, "%,." + digits + "f", v);
    }

    private static String layerList(List<Integer> layers) {
      List<String> s = new ArrayList<>();
      layers.forEach(l -> s.add(String.valueOf(l + 1)));
      return (layers.size() == 1 ? "layer " : "layers ") + String.join(", ", s);
    }
  }

  static String esc(String s) {
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<': b.append("&lt;"); break;
        case '>': b.append("&gt;"); break;
        case '&': b.append("&amp;"); break;
        case '"': b.append("&quot;"); break;
        case '\'': b.append("&#39;"); break;
        default: b.append(c);
      }
    }
    return b.toString();
  }

  private static final String CSS = String.join("\n",
      "body { font-family: 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif; color: #222; margin: 24px 28px; max-width: 1360px; }",
      "h1 { font-size: 26px; margin: 0 0 4px 0; }",
      "h2 { font-size: 19px; margin: 26px 0 10px 0; border-bottom: 1px solid #ddd; padding-bottom: 4px; }",
      ".meta { color: #666; margin: 0 0 8px 0; font-size: 13px; }",
      ".warn { color: #b00020; }",
      ".top { display: flex; flex-wrap: wrap; gap: 10px 48px; align-items: flex-start; }",
      "table { border-collapse: collapse; font-size: 13px; }",
      "th, td { padding: 4px 10px; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }",
      "table.kv th { color: #555; font-weight: normal; white-space: nowrap; }",
      "table.layers th { background: #f5f5f5; font-weight: 600; }",
      "table.layers td { text-align: right; font-variant-numeric: tabular-nums; }",
      "code.fp { font-size: 11.5px; word-break: break-all; }",
      ".note { color: #555; font-size: 13px; margin: 6px 0; font-style: italic; }",
      ".grid { display: flex; flex-wrap: wrap; gap: 18px; }",
      "figure { margin: 0; width: 660px; }",
      "figure img { max-width: 100%; height: auto; border: 1px solid #e4e4e4; display: block; }",
      "figcaption { font-size: 12.5px; color: #444; margin-top: 4px; line-height: 1.35; }",
      "pre.config { background: #f7f7f7; border: 1px solid #e4e4e4; padding: 10px 14px; font-size: 12px; "
          + "column-width: 420px; column-gap: 28px; white-space: pre-wrap; overflow-wrap: anywhere; }",
      "");
}
