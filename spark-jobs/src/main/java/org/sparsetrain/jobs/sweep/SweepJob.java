package org.sparsetrain.jobs.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.sparsetrain.jobs.TrainJob;
import org.sparsetrain.jobs.engine.SparkEngine;
import org.sparsetrain.jobs.output.RunOutput;
import org.sparsetrain.jobs.config.JobConfig;

/**
 * The {@code sweep} job: every cell of a {@link SweepSpec} grid is an ordinary {@link TrainJob}
 * run into {@code OUT/cells/<cell id>/} (its console in {@code OUT/logs/<cell id>.log}); then
 * {@code results.parquet} (through Spark), {@code results.csv} (one file, through Hadoop
 * {@code FileSystem}) and {@code accuracy_vs_sparsity.png}.
 *
 * <p>Made to be called again and again (cron): a cell whose directory holds {@code summary.json}
 * is finished and is not run again (its row is read back); any other cell — never started,
 * killed half-way, or failed — is run by {@link #runUnfinished}: TrainJob continues it from the
 * cell's newest valid checkpoint (same config), or starts it afresh when it has none. Cells run from a pool of {@code sweep.max_concurrent}
 * threads that share one SparkSession (started here if a cell needs Spark and none exists, so no
 * cell stops it under another); a failed cell is recorded with its error and the others go on.
 */
public final class SweepJob {
  public static final String CELLS = "cells";
  public static final String CSV = "results.csv";
  public static final String PARQUET = "results.parquet";
  public static final String PLOT = "accuracy_vs_sparsity.png";
  private static final ObjectMapper JSON = new ObjectMapper();

  private SweepJob() {}

  /** How one cell is trained (TrainJob.run; tests wrap it to count runs or to abort). */
  @FunctionalInterface
  public interface CellRunner {
    ObjectNode run(JobConfig cfg, String dir, String master, PrintStream console) throws IOException;
  }

  /** A cell's outcome: {@code ran}, {@code finished_before} (skipped) or {@code failed}. */
  public record CellResult(SweepSpec.Cell cell, String status, JsonNode summary, String error) {}

  /** Runs the sweep in {@code sweepFile}; returns every cell's result in grid order. */
  public static List<CellResult> run(String sweepFile, List<String> overrides, Integer maxConcurrent, String out,
                                     String master, PrintStream console) throws IOException {
    return run(SweepSpec.load(sweepFile, overrides), maxConcurrent, out, master, console, TrainJob::run);
  }

  /** As above with a spec and a cell runner. */
  public static List<CellResult> run(SweepSpec spec, Integer maxConcurrent, String out, String master, PrintStream console,
                                     CellRunner runner) throws IOException {
    List<SweepSpec.Cell> cells = spec.cells();
    int par = maxConcurrent != null ? maxConcurrent : spec.maxConcurrent();
    if (par < 1) {
      throw new org.sparsetrain.jobs.config.ConfigException("--max-concurrent must be >= 1, got " + par);
    }
    Configuration hadoop = new Configuration();
    Path root = new Path(out);
    FileSystem fs = root.getFileSystem(hadoop);
    fs.mkdirs(new Path(root, CELLS));
    fs.mkdirs(new Path(root, "logs"));
    boolean needsSpark = cells.stream().anyMatch(c -> List.of("driver", "barrier").contains(c.config().getString("distribution.mode")));
    boolean ownsSpark = needsSpark && !SparkEngine.sessionExists();
    SparkSession spark = needsSpark ? SparkEngine.session(master, "sparsetrain-sweep") : null;
    long start = System.nanoTime();
    try {
      int todo = 0;
      for (SweepSpec.Cell c : cells) {
        if (!fs.exists(new Path(cellDir(root, c), RunOutput.SUMMARY))) {
          todo++;
        }
      }
      console.printf(Locale.ROOT, "sparsetrain sweep: %s, %d cells over %s, %d to run, %d at once, out %s%n",
          spec.source(), cells.size(), spec.keys(), todo, par, fs.makeQualified(root));
      ExecutorService pool = Executors.newFixedThreadPool(par);
      List<CellResult> results = new ArrayList<>();
      try {
        List<Future<CellResult>> fut = new ArrayList<>();
        for (SweepSpec.Cell c : cells) {
          fut.add(pool.submit(() -> cell(fs, root, c, runner, needsSpark ? null : master, console)));
        }
        for (Future<CellResult> f : fut) {
          results.add(await(f));
        }
      } finally {
        pool.shutdownNow();
      }
      SparkSession tableSpark = spark;
      boolean ownsTable = false;
      if (tableSpark == null) {
        ownsTable = !SparkEngine.sessionExists();
        tableSpark = SparkEngine.session(master == null ? "local[1]" : master, "sparsetrain-sweep");
      }
      try {
        writeTables(tableSpark, fs, root, spec.keys(), results);
      } finally {
        if (ownsTable) {
          tableSpark.stop();
        }
      }
      writePlot(fs, root, spec.keys(), results);
      long failed = results.stream().filter(r -> r.status().equals("failed")).count();
      console.printf(Locale.ROOT, "sweep done in %.1f s: %d ran, %d finished before, %d failed; %s, %s, %s%n",
          (System.nanoTime() - start) / 1e9, results.stream().filter(r -> r.status().equals("ran")).count(),
          results.stream().filter(r -> r.status().equals("finished_before")).count(), failed, CSV, PARQUET, PLOT);
      return results;
    } finally {
      if (ownsSpark) {
        spark.stop();
      }
    }
  }

  static Path cellDir(Path root, SweepSpec.Cell c) {
    return new Path(new Path(root, CELLS), c.id());
  }

  private static CellResult cell(FileSystem fs, Path root, SweepSpec.Cell c, CellRunner runner, String master,
                                 PrintStream console) throws IOException {
    Path dir = cellDir(root, c);
    Path summary = new Path(dir, RunOutput.SUMMARY);
    if (fs.exists(summary)) {
      try (var in = fs.open(summary)) {
        return new CellResult(c, "finished_before", JSON.readTree(in), null);
      }
    }
    console.printf(Locale.ROOT, "cell %s: running %s%n", c.id(), c.values());
    try (OutputStream log = fs.create(new Path(new Path(root, "logs"), c.id() + ".log"), true);
         PrintStream cellConsole = new PrintStream(log, true, StandardCharsets.UTF_8)) {
      ObjectNode s = runUnfinished(runner, c, dir.toString(), master, cellConsole);
      console.printf(Locale.ROOT, "cell %s: test accuracy %.4f, global density %.4f, %.1f s%n", c.id(),
          s.get("test_accuracy").asDouble(), s.get("global_density").asDouble(), s.get("wall_seconds").asDouble());
      return new CellResult(c, "ran", s, null);
    } catch (Exception e) {
      String msg = e.getMessage() == null ? e.toString() : e.getClass().getSimpleName() + ": " + e.getMessage();
      console.printf(Locale.ROOT, "cell %s: FAILED: %s%n", c.id(), msg);
      return new CellResult(c, "failed", null, msg);
    }
  }

  /**
   * Runs a cell that has no summary.json. TrainJob resumes a directory that holds checkpoints of
   * the same config from the newest one that verifies, and otherwise starts the cell afresh.
   */
  static ObjectNode runUnfinished(CellRunner runner, SweepSpec.Cell c, String dir, String master, PrintStream console)
      throws IOException {
    return runner.run(c.config(), dir, master, console);
  }

  private static CellResult await(Future<CellResult> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("sweep interrupted", e);
    } catch (ExecutionException e) {
      // only Errors and failures to reach the output get here: cell failures are results
      Throwable c = e.getCause();
      if (c instanceof Error err) {
        throw err;
      }
      if (c instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(c.getMessage(), c);
    }
  }

  /** Column type of a varied key: long if every value is integral, double if numeric, boolean, else string. */
  static DataType typeOf(List<JsonNode> values) {
    if (values.stream().allMatch(JsonNode::isIntegralNumber)) {
      return DataTypes.LongType;
    }
    if (values.stream().allMatch(JsonNode::isNumber)) {
      return DataTypes.DoubleType;
    }
    if (values.stream().allMatch(JsonNode::isBoolean)) {
      return DataTypes.BooleanType;
    }
    return DataTypes.StringType;
  }

  static String column(String key) {
    return key.replace('.', '_');
  }

  private static void writeTables(SparkSession spark, FileSystem fs, Path root, List<String> keys, List<CellResult> results)
      throws IOException {
    List<StructField> fields = new ArrayList<>();
    fields.add(DataTypes.createStructField("cell_id", DataTypes.StringType, false));
    List<DataType> types = new ArrayList<>();
    for (String k : keys) {
      DataType t = typeOf(results.stream().map(r -> r.cell().values().get(k)).toList());
      types.add(t);
      fields.add(DataTypes.createStructField(column(k), t, false));
    }
    fields.add(DataTypes.createStructField("test_accuracy", DataTypes.DoubleType, true));
    fields.add(DataTypes.createStructField("global_density", DataTypes.DoubleType, true));
    fields.add(DataTypes.createStructField("steps", DataTypes.LongType, true));
    fields.add(DataTypes.createStructField("wall_seconds", DataTypes.DoubleType, true));
    fields.add(DataTypes.createStructField("status", DataTypes.StringType, false));
    fields.add(DataTypes.createStructField("error", DataTypes.StringType, true));
    StructType schema = DataTypes.createStructType(fields);
    List<Row> rows = new ArrayList<>();
    StringBuilder csv = new StringBuilder();
    for (int i = 0; i < fields.size(); i++) {
      csv.append(i == 0 ? "" : ",").append(fields.get(i).name());
    }
    csv.append('\n');
    for (CellResult r : results) {
      List<Object> v = new ArrayList<>();
      v.add(r.cell().id());
      for (int k = 0; k < keys.size(); k++) {
        JsonNode n = r.cell().values().get(keys.get(k));
        DataType t = types.get(k);
        v.add(t == DataTypes.LongType ? (Object) n.asLong() : t == DataTypes.DoubleType ? (Object) n.asDouble()
            : t == DataTypes.BooleanType ? (Object) n.asBoolean() : n.isTextual() ? n.asText() : n.toString());
      }
      JsonNode s = r.summary();
      v.add(s == null ? null : s.get("test_accuracy").asDouble());
      v.add(s == null ? null : s.get("global_density").asDouble());
      v.add(s == null ? null : s.get("steps").asLong());
      v.add(s == null ? null : s.get("wall_seconds").asDouble());
      v.add(r.status());
      v.add(r.error());
      rows.add(RowFactory.create(v.toArray()));
      for (int i = 0; i < v.size(); i++) {
        csv.append(i == 0 ? "" : ",").append(csvField(v.get(i)));
      }
      csv.append('\n');
    }
    Dataset<Row> df = spark.createDataFrame(rows, schema);
    df.coalesce(1).write().mode(SaveMode.Overwrite).parquet(new Path(root, PARQUET).toString());
    writeFile(fs, new Path(root, CSV), csv.toString().getBytes(StandardCharsets.UTF_8));
  }

  static String csvField(Object o) {
    if (o == null) {
      return "";
    }
    String s = o.toString();
    if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
      return "\"" + s.replace("\"", "\"\"") + "\"";
    }
    return s;
  }

  private static void writeFile(FileSystem fs, Path target, byte[] bytes) throws IOException {
    Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp");
    try (OutputStream o = fs.create(tmp, true)) {
      o.write(bytes);
    }
    fs.delete(target, false);
    if (!fs.rename(tmp, target)) {
      throw new IOException("could not move " + tmp + " to " + target);
    }
  }

  /**
   * Test accuracy against global sparsity (1 − density) of every finished cell; one series per
   * combination of the varied keys other than sparsity.target and training.seed (seeds show as
   * separate points of the same series).
   */
  private static void writePlot(FileSystem fs, Path root, List<String> keys, List<CellResult> results) throws IOException {
    XYChart chart = new XYChartBuilder().width(800).height(500).title("Test accuracy vs sparsity")
        .xAxisTitle("global sparsity (1 - density)").yAxisTitle("test accuracy").build();
    chart.getStyler().setDefaultSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Line);
    chart.getStyler().setMarkerSize(8);
    Map<String, List<double[]>> series = new TreeMap<>();
    for (CellResult r : results) {
      if (r.summary() == null) {
        continue;
      }
      StringBuilder name = new StringBuilder();
      for (String k : keys) {
        if (k.equals("sparsity.target") || k.equals("training.seed")) {
          continue;
        }
        JsonNode v = r.cell().values().get(k);
        name.append(name.length() == 0 ? "" : ", ").append(k.substring(k.lastIndexOf('.') + 1)).append('=')
            .append(v.isTextual() ? v.asText() : v.toString());
      }
      series.computeIfAbsent(name.length() == 0 ? "cells" : name.toString(), n -> new ArrayList<>())
          .add(new double[] {1 - r.summary().get("global_density").asDouble(), r.summary().get("test_accuracy").asDouble()});
    }
    for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
      List<double[]> pts = new ArrayList<>(e.getValue());
      pts.sort((a, b) -> Double.compare(a[0], b[0]));
      double[] x = pts.stream().mapToDouble(p -> p[0]).toArray();
      double[] y = pts.stream().mapToDouble(p -> p[1]).toArray();
      chart.addSeries(e.getKey(), x, y).setMarker(SeriesMarkers.CIRCLE);
    }
    if (series.isEmpty()) {
      chart.addSeries("no finished cells", new double[] {0}, new double[] {0});
    }
    writeFile(fs, new Path(root, PLOT), BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG));
  }
}
