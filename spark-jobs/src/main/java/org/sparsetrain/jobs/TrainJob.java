package org.sparsetrain.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.sparsetrain.jobs.config.ConfigException;
import org.sparsetrain.jobs.config.JobConfig;
import org.sparsetrain.jobs.config.TrainSetup;
import org.sparsetrain.jobs.output.CheckpointPolicy;
import org.sparsetrain.jobs.output.ConsoleProgress;
import org.sparsetrain.jobs.output.MetricsLog;
import org.sparsetrain.jobs.output.RunOutput;
import org.sparsetrain.jobs.report.RunReport;
import org.sparsetrain.pruning.imp.ImpMethod;
import org.sparsetrain.pruning.imp.ImpRunner;
import org.sparsetrain.jobs.engine.Engine;
import org.sparsetrain.jobs.engine.Engines;
import org.sparsetrain.jobs.engine.LocalData;
import org.sparsetrain.jobs.engine.Start;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.TrainResult;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.checkpoint.CheckpointStore;
import org.sparsetrain.training.checkpoint.RetentionPolicy;
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
    return run(cfg, out, null, false, console);
  }

  /** Runs the job on {@code master} (may be null), resuming only from checkpoints of the same config. */
  public static ObjectNode run(JobConfig cfg, String out, String master, PrintStream console) throws IOException {
    return run(cfg, out, master, false, console);
  }

  /**
   * Runs the job. {@code master} (may be null) chooses the Spark master when this job starts the
   * session itself. The run continues from the newest checkpoint in {@code out} that verifies when
   * {@code resume} is set, or on its own when {@code out} holds checkpoints of the same config;
   * checkpoints of another config are an error unless {@code resume} says to continue them.
   */
  public static ObjectNode run(JobConfig cfg, String out, String master, boolean resume, PrintStream console)
      throws IOException {
    TrainSetup.validate(cfg);
    String mode = Engines.resolveMode(cfg, console);
    // before Spark starts: the output can be created, written and reached; the data files exist
    Preflight.check(cfg, out, Engines.hadoopBeforeSession(mode));
    Engines.Session session = Engines.session(cfg, mode, master);
    Engine engine = null;
    try {
      RunOutput output = RunOutput.open(out, session.hadoop());
      if (output.finished()) {
        throw new ConfigException("output directory " + out + " already holds a finished run (summary.json); choose another --out");
      }
      String configText = cfg.toYaml();
      CheckpointStore store = CheckpointStore.forRun(output.fs(), output.dir()).withRetention(retention(cfg));
      boolean hasCheckpoints = !store.steps().isEmpty();
      boolean sameRun = output.exists(RunOutput.CONFIG) && output.read(RunOutput.CONFIG).equals(configText);
      if (hasCheckpoints && !resume && !sameRun) {
        throw new ConfigException("output directory " + out + " holds checkpoints of a run with another config;"
            + " pass --resume to continue it with this config, or choose another --out");
      }
      engine = Engines.open(cfg, mode, session);
      return train(cfg, output, store, hasCheckpoints || resume, engine, console, configText);
    } finally {
      if (engine != null) {
        engine.close();
      } else {
        session.release();
      }
    }
  }

  private static ObjectNode train(JobConfig cfg, RunOutput output, CheckpointStore store, boolean restore, Engine engine,
                                  PrintStream console, String configText) throws IOException {
    ModelSpec spec = TrainSetup.model(cfg);
    long spe = new BatchSampler(engine.trainRows(), cfg.getInt("training.batch_size"), cfg.getLong("training.seed"))
        .stepsPerEpoch();
    long total = spe * cfg.getInt("training.epochs");
    TrainingPlan plan = TrainSetup.plan(cfg, total);
    Start start = null;
    String metricsSoFar = null;
    if (restore) {
      CheckpointStore.Restored<Start> restored = engine.restore(spec, plan, total, store);
      for (String p : restored.problems()) {
        console.println("checkpoint skipped: " + p);
      }
      if (restored.found()) {
        start = restored.value();
        console.printf(Locale.ROOT, "resuming from %s: step %d of %d%n", restored.dir(), start.step(), total);
        metricsSoFar = output.exists(RunOutput.METRICS) ? MetricsLog.upTo(output.read(RunOutput.METRICS), start.step()) : null;
      } else {
        console.println("no usable checkpoint in " + store.dir() + ": starting from step 0");
      }
    }
    if (start == null) {
      start = engine.fresh(spec, plan);
      output.delete(RunOutput.METRICS);
    }
    output.write(RunOutput.CONFIG, configText);
    console.printf(Locale.ROOT, "sparsetrain train: %s, method %s, target sparsity %.3f (%s), %d training rows, %d epochs x %d steps, %s, out %s%n",
        spec, plan.method().name(), cfg.getDouble("sparsity.target"), cfg.getString("sparsity.distribution"),
        engine.trainRows(), plan.epochs(), spe, engine.describe(), output.dir());
    ConsoleProgress progress =
        new ConsoleProgress(console, total, plan.epochs(), plan.batchSize(), cfg.getDouble("output.progress_every_seconds"));
    MetricsLog metrics = new MetricsLog(output, 50, metricsSoFar);
    TrainResult result;
    if (plan.method() instanceof ImpMethod imp) {
      result = trainImp(imp, spec, plan, engine, TrainingListener.all(progress, metrics), console);
    } else {
      result = engine.train(spec, plan, start, TrainingListener.all(progress, metrics,
          new CheckpointPolicy(store, configText, cfg.getLong("checkpoint.every_steps"), cfg.getBool("checkpoint.every_epoch"),
              spe, start.step(), console)));
    }
    ObjectNode summary = summary(cfg, plan, result);
    output.write(RunOutput.SUMMARY, JSON.writeValueAsString(summary));
    if (cfg.getBool("output.report")) {
      console.println("report: " + RunReport.write(output.dir().toString(), result.network(), output.fs().getConf()).index());
    }
    console.printf(Locale.ROOT, "done: test accuracy %.4f, global density %.4f, %d steps, %.1f s, fingerprint %s%n",
        result.test().accuracy(), summary.get("global_density").asDouble(), result.steps(), result.wallSeconds(),
        result.fingerprint().substring(0, 16));
    return summary;
  }

  /**
   * Iterative magnitude pruning: the dense phase and {@code imp_phases} prune → rewind → retrain
   * phases, each trained by the engine. Phases restart from their beginning, so IMP runs write no
   * step checkpoints; each phase's result is printed.
   */
  private static TrainResult trainImp(ImpMethod imp, ModelSpec spec, TrainingPlan plan, Engine engine,
                                      TrainingListener listener, PrintStream console) {
    console.println("IMP: " + (imp.plan().phases() + 1) + " phases (dense, then " + imp.plan().phases()
        + " prune-rewind-retrain) of " + imp.plan().phaseSteps() + " steps; no step checkpoints");
    TrainResult[] last = new TrainResult[1];
    ImpRunner.run(imp, spec, plan, s -> engine.train(spec, plan.withMethod(s.method()), s, listener), (p, net, r) -> {
      console.printf(Locale.ROOT, "IMP phase %d: test accuracy %.4f at global density %.4f%n", p, r.test().accuracy(),
          net.nnz() / (double) net.denseWeights());
      last[0] = r;
    });
    return last[0];
  }

  static RetentionPolicy retention(JobConfig cfg) {
    int keep = cfg.getInt("checkpoint.keep_last");
    if (keep < 1) {
      throw cfg.invalid("checkpoint.keep_last must be >= 1, got " + keep);
    }
    RetentionPolicy p = RetentionPolicy.keepLast(keep);
    return cfg.getBool("checkpoint.keep_best") ? p.keepBest(CheckpointPolicy.METRIC, true) : p;
  }

  /** Reads the training and test data the config names, checking them against the model. */
  public static Data loadData(JobConfig cfg, Configuration hadoop) throws IOException {
    return new Data(loadBlock(cfg, hadoop, "train"), loadBlock(cfg, hadoop, "test"));
  }

  /** Reads one split ({@code train} or {@code test}) into a block, checked against the model. */
  public static DataBlock loadBlock(JobConfig cfg, Configuration hadoop, String which) throws IOException {
    return LocalData.read(cfg, hadoop, which);
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
