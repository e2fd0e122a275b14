package org.sparsetrain.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.sparsetrain.data.DataException;
import org.sparsetrain.data.IdxReader;
import org.sparsetrain.data.SyntheticTeacher;
import org.sparsetrain.jobs.config.ConfigException;
import org.sparsetrain.jobs.config.JobConfig;
import org.sparsetrain.jobs.config.TrainSetup;
import org.sparsetrain.jobs.output.ConsoleProgress;
import org.sparsetrain.jobs.output.MetricsLog;
import org.sparsetrain.jobs.output.RunOutput;
import org.sparsetrain.jobs.engine.Engine;
import org.sparsetrain.jobs.engine.Engines;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.TrainResult;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.data.BatchSampler;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.nn.Network;

/**
 * The {@code train} job: validate the config, read and check the data, train, and write
 * {@code config.yaml}, {@code metrics.jsonl} and — only when everything succeeded —
 * {@code summary.json}.
 */
public final class TrainJob {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private TrainJob() {}

  /** Training and test data of a run. */
  public record Data(DataBlock train, DataBlock test) {}

  /** Runs the job in this JVM or on Spark (per {@code distribution.mode}); returns the summary written to {@code out}. */
  public static ObjectNode run(JobConfig cfg, String out, PrintStream console) throws IOException {
    return run(cfg, out, null, console);
  }

  /**
   * Runs the job; {@code master} (may be null) chooses the Spark master when this job starts the
   * session itself.
   */
  public static ObjectNode run(JobConfig cfg, String out, String master, PrintStream console) throws IOException {
    TrainSetup.validate(cfg);
    Configuration hadoop = new Configuration();
    RunOutput output = RunOutput.open(out, hadoop);
    if (output.finished()) {
      throw new ConfigException("output directory " + out + " already holds a finished run (summary.json); choose another --out");
    }
    ModelSpec spec = TrainSetup.model(cfg);
    try (Engine engine = Engines.open(cfg, master, hadoop)) {
      long total = new BatchSampler(engine.trainRows(), cfg.getInt("training.batch_size"), cfg.getLong("training.seed"))
          .stepsPerEpoch() * cfg.getInt("training.epochs");
      TrainingPlan plan = TrainSetup.plan(cfg, total);
      output.write(RunOutput.CONFIG, cfg.toYaml());
      output.delete(RunOutput.METRICS);
      console.printf(Locale.ROOT, "sparsetrain train: %s, method %s, target sparsity %.3f (%s), %d training rows, %d epochs x %d steps, %s, out %s%n",
          spec, plan.method().name(), cfg.getDouble("sparsity.target"), cfg.getString("sparsity.distribution"),
          engine.trainRows(), plan.epochs(), total / plan.epochs(), engine.describe(), output.dir());
      MetricsLog metrics = new MetricsLog(output, 50, null);
      ConsoleProgress progress = new ConsoleProgress(console, total, plan.epochs(), plan.batchSize(),
          cfg.getDouble("output.progress_every_seconds"));
      TrainResult result = engine.train(spec, plan, TrainingState.fresh(spec, plan, engine.trainRows()),
          TrainingListener.all(progress, metrics));
      ObjectNode summary = summary(cfg, plan, result);
      output.write(RunOutput.SUMMARY, JSON.writeValueAsString(summary));
      console.printf(Locale.ROOT, "done: test accuracy %.4f, global density %.4f, %d steps, %.1f s, fingerprint %s%n",
          result.test().accuracy(), summary.get("global_density").asDouble(), result.steps(), result.wallSeconds(),
          result.fingerprint().substring(0, 16));
      return summary;
    }
  }

  /** Reads the training and test data the config names, checking them against the model. */
  public static Data loadData(JobConfig cfg, Configuration hadoop) throws IOException {
    int[] layers = cfg.getIntArray("model.layers");
    int features = layers[0];
    int classes = layers[layers.length - 1];
    DataBlock train;
    DataBlock test;
    switch (cfg.getString("data.format")) {
      case "idx":
        train = IdxReader.read(cfg.getString("data.train_images"), cfg.getString("data.train_labels"));
        test = IdxReader.read(cfg.getString("data.test_images"), cfg.getString("data.test_labels"));
        break;
      case "synthetic": {
        long rows = cfg.getLong("data.synthetic_rows");
        long testRows = cfg.getLong("data.synthetic_test_rows");
        checkIntRows(rows, "data.synthetic_rows");
        checkIntRows(testRows, "data.synthetic_test_rows");
        long seed = cfg.getLong("training.seed");
        train = SyntheticTeacher.generate((int) rows, features, classes, seed, 0);
        test = SyntheticTeacher.generate((int) testRows, features, classes, seed, rows);
        test = DataBlock.dense(0, features, test.denseFeatures(), test.labels());
        break;
      }
      default:
        throw new ConfigException(cfg.source() + ": unknown data.format '" + cfg.getString("data.format") + "' (known: idx, synthetic)");
    }
    if (cfg.getInt("data.limit_train") > 0) {
      train = train.head(cfg.getInt("data.limit_train"));
    }
    if (cfg.getInt("data.limit_test") > 0) {
      test = test.head(cfg.getInt("data.limit_test"));
    }
    check(train, features, classes, describe(cfg, "train"));
    check(test, features, classes, describe(cfg, "test"));
    return new Data(train, test);
  }

  private static void checkIntRows(long rows, String key) {
    if (rows <= 0 || rows > Integer.MAX_VALUE) {
      throw new ConfigException(key + " must be in [1, " + Integer.MAX_VALUE + "] for a single-JVM run, got " + rows);
    }
  }

  private static String describe(JobConfig cfg, String which) {
    return cfg.getString("data.format").equals("idx") ? cfg.getString("data." + which + "_images") : "synthetic " + which + " data";
  }

  /** Feature count, labels and values checked before any training work. */
  static void check(DataBlock b, int features, int classes, String what) {
    if (b.rows() == 0) {
      throw new DataException(what, "no rows");
    }
    if (b.features() != features) {
      throw new DataException(what, b.features() + " features per row but model.layers[0] is " + features);
    }
    for (int r = 0; r < b.rows(); r++) {
      int y = b.label(r);
      if (y < 0 || y >= classes) {
        throw new DataException(what, r, "label " + y + " outside [0, " + classes + ") (model.layers ends with " + classes + ")");
      }
    }
    float[] x = b.denseFeatures();
    if (x != null) {
      for (int i = 0; i < x.length; i++) {
        if (!Float.isFinite(x[i])) {
          throw new DataException(what, i / features, "feature " + (i % features) + " is " + x[i]);
        }
      }
    }
  }

  static ObjectNode summary(JobConfig cfg, TrainingPlan plan, TrainResult r) {
    Network net = r.network();
    ObjectNode s = JSON.createObjectNode();
    s.put("test_accuracy", r.test().accuracy());
    s.put("test_loss", r.test().meanLoss());
    var d = s.putArray("density_per_layer");
    for (double v : net.densities()) {
      d.add(v);
    }
    var t = s.putArray("target_density_per_layer");
    for (double v : plan.method().targetDensities(r.steps(), net.sizes())) {
      t.add(v);
    }
    s.put("global_density", net.nnz() / (double) net.denseWeights());
    s.put("requested_sparsity", plan.method().dense() ? 0.0 : cfg.getDouble("sparsity.target"));
    s.put("nnz", net.nnz());
    s.put("method", plan.method().name());
    s.put("distribution", cfg.getString("sparsity.distribution"));
    s.put("steps", r.steps());
    s.put("epochs", r.epochs());
    s.put("samples_per_second", r.samplesPerSecond());
    s.put("wall_seconds", r.wallSeconds());
    s.put("seed", plan.seed());
    s.put("distribution_mode", cfg.getString("distribution.mode"));
    s.put("model_fingerprint", r.fingerprint());
    return s;
  }

}
