package org.sparsetrain.jobs.soup;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.sparsetrain.jobs.TrainJob;
import org.sparsetrain.jobs.config.ConfigException;
import org.sparsetrain.jobs.config.JobConfig;
import org.sparsetrain.jobs.config.TrainSetup;
import org.sparsetrain.jobs.engine.SparkEngine;
import org.sparsetrain.jobs.output.RunOutput;
import org.sparsetrain.pruning.criteria.PruneCriteria;
import org.sparsetrain.pruning.criteria.PruneCriterion;
import org.sparsetrain.pruning.imp.ImpMethod;
import org.sparsetrain.pruning.imp.ImpPlan;
import org.sparsetrain.pruning.soup.Soups;
import org.sparsetrain.training.Evaluation;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.nn.BatchStats;
import org.sparsetrain.training.nn.Fingerprint;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.SparseLinear;
import org.sparsetrain.training.spark.SparkTrainerOptions;
import org.sparsetrain.training.sparsity.MaskApplier;

/**
 * The {@code soup} job: Sparse Model Soups (Zimmer, Spiegel, Pokutta 2023) by IMP.
 *
 * <ol>
 *   <li>A dense model is trained ({@code soup.pretrain_epochs}, seed {@code training.seed}).</li>
 *   <li>Phase p = 1..n: the current model is pruned by global magnitude (or {@code soup.prune}) to
 *       density {@code (1−s)^(p/n)} — a fraction {@code q = 1−(1−s)^(1/n)} of what remains, by
 *       {@link ImpPlan#prune}; m ingredients retrain from that one pruned model, concurrently
 *       (see {@link IngredientTrainer} for the modes and the choice), each with its own seed
 *       (batch order), weight decay or retrain length ({@code soup.vary}); masks are fixed while
 *       retraining, so all ingredients share the pruned mask; the uniform soup averages all of
 *       them, the greedy soup adds them in order of validation accuracy while the validation
 *       accuracy does not drop ({@link Soups}); the next phase starts from {@code soup.next_from}.</li>
 * </ol>
 *
 * Validation rows are held out of the training block by a seeded choice
 * ({@code soup.validation_fraction}), so ingredients never train on them. Output in {@code --out}:
 * {@code config.yaml}, {@code soup.json} (rewritten after every phase: each ingredient's and each
 * soup's validation and test accuracy and density) and, last, {@code summary.json} with the final
 * model's {@code model_fingerprint}.
 */
public final class SoupJob {
  public static final String SOUP = "soup.json";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private SoupJob() {}

  /** Sees every phase's networks (tests, tools): the pruned start, the ingredients and both soups. */
  @FunctionalInterface
  public interface PhaseObserver {
    void onPhase(int phase, Network pruned, List<Network> ingredients, Network uniform, Network greedy);
  }

  /** Runs the job; {@code master} (may be null) is the Spark master when this job starts Spark itself. */
  public static ObjectNode run(JobConfig cfg, String out, String master, PrintStream console) throws IOException {
    return run(cfg, out, master, console, (p, pruned, ings, u, g) -> { });
  }

  /** As {@link #run(JobConfig, String, String, PrintStream)}, telling {@code observer} about every phase. */
  public static ObjectNode run(JobConfig cfg, String out, String master, PrintStream console, PhaseObserver observer)
      throws IOException {
    Settings set = Settings.of(cfg);
    Configuration hadoop = new Configuration();
    RunOutput output = RunOutput.open(out, hadoop);
    if (output.finished()) {
      throw new ConfigException("output directory " + out + " already holds a finished run (summary.json); choose another --out");
    }
    boolean local = cfg.getString("distribution.mode").equals("local");
    if (local && master != null) {
      throw new ConfigException("--master needs distribution.mode=driver (the config says local)");
    }
    ModelSpec spec = TrainSetup.model(cfg);
    TrainJob.Data data = TrainJob.loadData(cfg, hadoop);
    SoupData.Split split;
    try {
      split = SoupData.split(data.train(), set.validationFraction, cfg.getLong("training.seed"));
    } catch (IllegalArgumentException e) {
      throw cfg.invalid(e.getMessage(), "soup.validation_fraction");
    }
    output.write(RunOutput.CONFIG, cfg.toYaml());
    output.delete(SOUP);
    SparkSession spark = null;
    boolean ownsSpark = false;
    IngredientTrainer trainer;
    switch (set.concurrency) {
      case "threads":
      case "sequential": {
        int par = set.concurrency.equals("sequential") ? 1
            : set.parallelism > 0 ? set.parallelism : Runtime.getRuntime().availableProcessors();
        trainer = new IngredientTrainer.Threads(split.train(), split.validation(), par);
        break;
      }
      default: {
        ownsSpark = !SparkEngine.sessionExists();
        spark = session(master);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        if (set.concurrency.equals("tasks")) {
          trainer = new IngredientTrainer.Tasks(sc, split.train(), split.validation());
        } else {
          int partitions = cfg.getInt("distribution.partitions") > 0 ? cfg.getInt("distribution.partitions") : sc.defaultParallelism();
          SparkTrainerOptions options;
          try {
            options = SparkTrainerOptions.DEFAULTS.withLocalSteps(cfg.getInt("distribution.local_steps"))
                .withVirtualShards(cfg.getInt("distribution.virtual_shards")).withLogEvery(0);
          } catch (IllegalArgumentException e) {
            throw cfg.invalid(e.getMessage(), "distribution.local_steps", "distribution.virtual_shards");
          }
          trainer = new IngredientTrainer.FairJobs(sc, split.train(), split.validation(), partitions, options);
        }
      }
    }
    try {
      return runPhases(cfg, set, spec, split, data.test(), trainer, output, console, observer);
    } finally {
      trainer.close();
      if (ownsSpark) {
        spark.stop();
      }
    }
  }

  /** A session with the FAIR scheduler when this job starts it; an existing session is used as it is. */
  static SparkSession session(String master) {
    return SparkEngine.session(master, "sparsetrain-soup", java.util.Map.of("spark.scheduler.mode", "FAIR"));
  }

  private static ObjectNode runPhases(JobConfig cfg, Settings set, ModelSpec spec, SoupData.Split split, DataBlock test,
                                      IngredientTrainer trainer, RunOutput output, PrintStream console,
                                      PhaseObserver observer) throws IOException {
    long start = System.nanoTime();
    DataBlock val = split.validation();
    ImpPlan imp = new ImpPlan(set.phases, cfg.getDouble("sparsity.target"), 1, 0, set.prune);
    console.printf(Locale.ROOT, "sparsetrain soup: %s, IMP to sparsity %.3f in %d phases (q = %.4f per phase, %s), %d ingredients"
            + " varying %s, next phase from the %s soup, %d training / %d validation / %d test rows, %s, out %s%n",
        spec, imp.sparsity(), imp.phases(), imp.pruneFraction(), set.prune.name(), set.ingredients, set.vary, set.nextFrom,
        split.train().rows(), val.rows(), test.rows(), trainer.describe(), output.dir());
    ObjectNode doc = JSON.createObjectNode();
    doc.put("sparsity_goal", imp.sparsity());
    doc.put("phases_planned", imp.phases());
    doc.put("prune_fraction", imp.pruneFraction());
    doc.put("prune", set.prune.name());
    doc.put("ingredients_per_phase", set.ingredients);
    doc.put("vary", set.vary);
    doc.put("next_from", set.nextFrom);
    doc.put("concurrency", trainer.describe());
    doc.put("train_rows", split.train().rows());
    doc.put("validation_rows", val.rows());
    doc.put("test_rows", test.rows());
    ArrayNode phases = doc.putArray("phases");
    long steps = 0;
    long samples = 0;

    // phase 0: the dense model
    ImpMethod dense = new ImpMethod(imp, 0);
    TrainingPlan plan0 = plan(cfg, cfg.getLong("training.seed"), cfg.getDouble("optimizer.weight_decay"), set.pretrainEpochs, dense);
    Network init = sparseLayers(spec.build(dense, plan0.seed()));
    long t0 = System.nanoTime();
    Trained pre = trainer.train(spec, init, List.of(plan0)).get(0);
    Network current = pre.network();
    steps += pre.steps();
    samples += pre.steps() * plan0.batchSize();
    ObjectNode p0 = phases.addObject();
    p0.put("phase", 0);
    p0.put("density", density(current));
    p0.put("nnz", current.nnz());
    p0.put("wall_seconds", (System.nanoTime() - t0) / 1e9);
    ObjectNode d0 = p0.putObject("dense_model");
    put(d0, current, val, test);
    d0.put("epochs", plan0.epochs());
    d0.put("steps", pre.steps());
    console.printf(Locale.ROOT, "phase 0 (dense, %d epochs): validation %.4f, test %.4f, %.1f s%n", plan0.epochs(),
        d0.get("validation_accuracy").asDouble(), d0.get("test_accuracy").asDouble(), p0.get("wall_seconds").asDouble());
    output.write(SOUP, JSON.writeValueAsString(doc));

    for (int p = 1; p <= imp.phases(); p++) {
      Network pruned = current.copy();
      MaskApplier.apply(pruned, null, imp.prune(pruned, p));
      ImpMethod method = new ImpMethod(imp, p);
      List<TrainingPlan> plans = new ArrayList<>();
      for (int i = 0; i < set.ingredients; i++) {
        plans.add(ingredientPlan(cfg, set, p, i, method));
      }
      long tp = System.nanoTime();
      List<Trained> trained = trainer.train(spec, pruned, plans);
      double trainWall = (System.nanoTime() - tp) / 1e9;
      List<Network> nets = new ArrayList<>();
      double[] valAcc = new double[trained.size()];
      ObjectNode ph = phases.addObject();
      ph.put("phase", p);
      ph.put("target_density", imp.density(p));
      ph.put("density", density(pruned));
      ph.put("nnz", pruned.nnz());
      ph.put("ingredients_wall_seconds", trainWall);
      double sumWall = 0;
      ArrayNode ings = ph.putArray("ingredients");
      for (int i = 0; i < trained.size(); i++) {
        Trained t = trained.get(i);
        if (!Soups.sameMask(pruned, t.network())) {
          throw new IllegalStateException("ingredient " + i + " of phase " + p + " left the pruned mask");
        }
        nets.add(t.network());
        steps += t.steps();
        samples += t.steps() * plans.get(i).batchSize();
        sumWall += t.wallSeconds();
        ObjectNode o = ings.addObject();
        o.put("index", i);
        o.put("seed", plans.get(i).seed());
        o.put("weight_decay", weightDecay(cfg, set, i));
        o.put("epochs", plans.get(i).epochs());
        o.put("steps", t.steps());
        o.put("train_wall_seconds", t.wallSeconds());
        valAcc[i] = put(o, t.network(), val, test);
      }
      ph.put("ingredients_wall_seconds_sum", sumWall);
      Network uniform = Soups.uniform(nets);
      put(ph.putObject("uniform_soup"), uniform, val, test);
      Soups.Greedy greedy = Soups.greedy(nets, valAcc, n -> Evaluation.of(n, val).accuracy());
      ObjectNode g = ph.putObject("greedy_soup");
      put(g, greedy.soup(), val, test);
      ArrayNode order = g.putArray("validation_order");
      for (int i : greedy.order()) {
        order.add(i);
      }
      ArrayNode chosen = g.putArray("chosen");
      for (int i : greedy.chosen()) {
        chosen.add(i);
      }
      observer.onPhase(p, pruned, nets, uniform, greedy.soup());
      current = set.nextFrom.equals("uniform") ? uniform : greedy.soup();
      ph.put("next_from", set.nextFrom);
      ph.put("wall_seconds", (System.nanoTime() - tp) / 1e9);
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < ings.size(); i++) {
        line.append(String.format(Locale.ROOT, " %.4f", ings.get(i).get("test_accuracy").asDouble()));
      }
      console.printf(Locale.ROOT, "phase %d (density %.4f): ingredients test%s; uniform soup %.4f, greedy soup %.4f (of %d); %.1f s%n",
          p, density(pruned), line, ph.get("uniform_soup").get("test_accuracy").asDouble(),
          g.get("test_accuracy").asDouble(), greedy.chosen().length, trainWall);
      output.write(SOUP, JSON.writeValueAsString(doc));
    }

    double wall = (System.nanoTime() - start) / 1e9;
    BatchStats ts = Evaluation.of(current, test);
    ObjectNode s = JSON.createObjectNode();
    s.put("test_accuracy", ts.accuracy());
    s.put("test_loss", ts.meanLoss());
    s.put("validation_accuracy", Evaluation.of(current, val).accuracy());
    ArrayNode dl = s.putArray("density_per_layer");
    for (double d : current.densities()) {
      dl.add(d);
    }
    s.put("global_density", density(current));
    s.put("requested_sparsity", imp.sparsity());
    s.put("nnz", current.nnz());
    s.put("method", "imp-soup");
    s.put("phases", imp.phases());
    s.put("ingredients_per_phase", set.ingredients);
    s.put("final_soup", set.nextFrom);
    s.put("steps", steps);
    s.put("epochs", set.pretrainEpochs + imp.phases() * set.retrainEpochs);
    s.put("samples_per_second", samples / wall);
    s.put("wall_seconds", wall);
    s.put("seed", cfg.getLong("training.seed"));
    s.put("distribution_mode", cfg.getString("distribution.mode"));
    s.put("concurrency", set.concurrency);
    s.put("model_fingerprint", Fingerprint.of(current));
    output.write(RunOutput.SUMMARY, JSON.writeValueAsString(s));
    console.printf(Locale.ROOT, "done: final %s soup test accuracy %.4f, global density %.4f, %.1f s, fingerprint %s%n",
        set.nextFrom, ts.accuracy(), density(current), wall, s.get("model_fingerprint").asText().substring(0, 16));
    return s;
  }

  /** Validation and test accuracy and density into {@code o}; returns the validation accuracy. */
  private static double put(ObjectNode o, Network net, DataBlock val, DataBlock test) {
    double v = Evaluation.of(net, val).accuracy();
    o.put("validation_accuracy", v);
    o.put("test_accuracy", Evaluation.of(net, test).accuracy());
    o.put("density", density(net));
    o.put("nnz", net.nnz());
    return v;
  }

  static double density(Network net) {
    return net.nnz() / (double) net.denseWeights();
  }

  /** Every layer as CSR (a dense initialisation becomes a full CSR layer, so it can be pruned). */
  private static Network sparseLayers(Network net) {
    for (int l = 0; l < net.layerCount(); l++) {
      Layer layer = net.layer(l);
      if (!layer.isSparse()) {
        net.setLayer(l, SparseLinear.fromDense(layer.inFeatures(), layer.outFeatures(), layer.values(), layer.bias()));
      }
    }
    return net;
  }

  private static double weightDecay(JobConfig cfg, Settings set, int i) {
    return set.vary.equals("weight_decay") ? set.weightDecays[i] : cfg.getDouble("optimizer.weight_decay");
  }

  private static TrainingPlan ingredientPlan(JobConfig cfg, Settings set, int phase, int i, ImpMethod method) {
    long base = cfg.getLong("training.seed");
    long seed = set.vary.equals("seed") ? base + (long) phase * set.ingredients + i + 1 : base + phase;
    int epochs = set.vary.equals("epochs") ? set.epochsPerIngredient[i] : set.retrainEpochs;
    return plan(cfg, seed, weightDecay(cfg, set, i), epochs, method);
  }

  private static TrainingPlan plan(JobConfig cfg, long seed, double weightDecay, int epochs, ImpMethod method) {
    JobConfig c = cfg.getDouble("optimizer.weight_decay") == weightDecay ? cfg
        : cfg.with("optimizer.weight_decay", weightDecay, cfg.origin("soup.weight_decays"));
    try {
      return new TrainingPlan(epochs, cfg.getInt("training.batch_size"), seed, TrainSetup.optimizer(c),
          cfg.getDouble("optimizer.lr"), cfg.getString("optimizer.lr_schedule"), cfg.getLong("optimizer.warmup_steps"), method);
    } catch (ConfigException e) {
      throw e;   // says where the value came from
    } catch (IllegalArgumentException e) {
      throw c.invalid(e.getMessage(), TrainSetup.keysOf("optimizer."));
    }
  }

  /** The soup keys, checked. */
  record Settings(int phases, int ingredients, String vary, double[] weightDecays, int[] epochsPerIngredient,
                  int pretrainEpochs, int retrainEpochs, PruneCriterion prune, String nextFrom, double validationFraction,
                  String concurrency, int parallelism) {
    static Settings of(JobConfig c) {
      TrainSetup.validate(c);
      if (!c.getString("sparsity.method").equals("imp")) {
        throw c.invalid("the soup job prunes by IMP: set sparsity.method: imp (got '"
            + c.getString("sparsity.method") + "'); sparsity.target is the final sparsity");
      }
      int phases = c.getInt("soup.phases");
      int m = c.getInt("soup.ingredients");
      if (phases < 1) {
        throw c.invalid("soup.phases must be >= 1, got " + phases);
      }
      if (m < 1) {
        throw c.invalid("soup.ingredients must be >= 1, got " + m);
      }
      String vary = c.getString("soup.vary");
      double[] wd = c.getDoubleArray("soup.weight_decays");
      int[] ep = c.getIntArray("soup.epochs_per_ingredient");
      switch (vary) {
        case "seed":
          break;
        case "weight_decay":
          if (wd.length != m) {
            throw c.invalid("soup.vary=weight_decay needs soup.weight_decays with one value per ingredient ("
                + m + "), got " + wd.length);
          }
          break;
        case "epochs":
          if (ep.length != m) {
            throw c.invalid("soup.vary=epochs needs soup.epochs_per_ingredient with one value per ingredient ("
                + m + "), got " + ep.length);
          }
          for (int e : ep) {
            if (e < 1) {
              throw c.invalid("soup.epochs_per_ingredient values must be >= 1, got " + e);
            }
          }
          break;
        default:
          throw c.invalid("soup.vary must be seed, weight_decay or epochs, got '" + vary + "'");
      }
      int epochs = c.getInt("training.epochs");
      int pre = c.getInt("soup.pretrain_epochs") > 0 ? c.getInt("soup.pretrain_epochs") : epochs;
      int re = c.getInt("soup.retrain_epochs") > 0 ? c.getInt("soup.retrain_epochs") : epochs;
      if (c.getInt("soup.pretrain_epochs") < 0 || c.getInt("soup.retrain_epochs") < 0) {
        throw c.invalid("soup.pretrain_epochs and soup.retrain_epochs must be >= 0");
      }
      PruneCriterion prune;
      try {
        prune = PruneCriteria.named(c.getString("soup.prune"));
      } catch (IllegalArgumentException e) {
        throw c.invalid(e.getMessage(), "soup.prune");
      }
      String next = c.getString("soup.next_from");
      if (!next.equals("greedy") && !next.equals("uniform")) {
        throw c.invalid("soup.next_from must be greedy or uniform, got '" + next + "'");
      }
      double vf = c.getDouble("soup.validation_fraction");
      if (!(vf > 0 && vf < 1)) {
        throw c.invalid("soup.validation_fraction must be in (0, 1), got " + vf);
      }
      String conc = c.getString("soup.concurrency");
      boolean local = c.getString("distribution.mode").equals("local");
      switch (conc) {
        case "tasks":
        case "fair_jobs":
          if (local) {
            throw c.invalid("soup.concurrency=" + conc + " runs on Spark; with distribution.mode=local use threads or sequential");
          }
          break;
        case "threads":
        case "sequential":
          break;
        default:
          throw c.invalid("soup.concurrency must be tasks, fair_jobs, threads or sequential, got '" + conc + "'");
      }
      int par = c.getInt("soup.parallelism");
      if (par < 0) {
        throw c.invalid("soup.parallelism must be >= 0, got " + par);
      }
      return new Settings(phases, m, vary, wd, ep, pre, re, prune, next, vf, conc, par);
    }
  }
}
