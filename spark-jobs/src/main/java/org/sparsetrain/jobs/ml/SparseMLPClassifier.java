package org.sparsetrain.jobs.ml;

import static org.apache.spark.sql.functions.col;

import java.util.Arrays;
import java.util.Locale;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparsetrain.data.BlockPacker;
import org.sparsetrain.data.Columns;
import org.sparsetrain.data.Validator;
import org.sparsetrain.pruning.SparsityConfig;
import org.sparsetrain.pruning.SparsityMethods;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.TrainResult;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.data.BatchSampler;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.optim.Adam;
import org.sparsetrain.training.optim.Optimizer;
import org.sparsetrain.training.optim.Sgd;
import org.sparsetrain.training.spark.SparkTrainer;
import org.sparsetrain.training.spark.SparkTrainerOptions;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * A sparse multi-layer perceptron trained with dynamic sparse training (SET, RigL, SNFS, …) on
 * Spark, as a Spark ML {@code Estimator}: usable alone, in a {@code Pipeline}, in
 * {@code CrossValidator}, from Java, Scala (spark-shell) and Python via the JVM.
 * <pre>
 * val model = new SparseMLPClassifier().setLayers(Array(300, 100)).setSparsity(0.9).setMethod("rigl")
 *   .setEpochs(3).fit(train)   // columns "features" (vector) and "label" (0 .. classes-1)
 * </pre>
 *
 * <p>{@code fit} checks every param (names against the method registry, layer sizes against the
 * data) before any Spark job, validates the rows ({@link Validator}: fails on the first bad row),
 * packs them into cached blocks ({@link BlockPacker}), trains with the {@link SparkTrainer} in the
 * caller's session (never stopping it) and frees the blocks. Layer sizes: {@code layers} holds the
 * hidden sizes only; the input size is the features' length, the output size the number of
 * classes (label metadata, else the largest label + 1).
 *
 * <p><b>Serializer.</b> Spark's default Java serializer works; Kryo with our registrator is
 * faster (spark-shell: {@code --conf spark.serializer=org.apache.spark.serializer.KryoSerializer
 * --conf spark.kryo.registrator=org.sparsetrain.jobs.ml.SparseMLKryoRegistrator}), and with
 * {@code spark.kryo.registrationRequired=true} our classes must be registered. {@code fit} checks
 * the serializer setup and fails before any job with the {@code --conf} to add.
 *
 * <p>{@code checkpointDir} is recorded with the model; periodic checkpoints during {@code fit} are
 * not written yet.
 */
public final class SparseMLPClassifier
    extends ProbabilisticClassifier<Vector, SparseMLPClassifier, SparseMLPClassificationModel>
    implements SparseMLPParams, DefaultParamsWritable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(SparseMLPClassifier.class);

  private String uid;
  private ParamSet params;

  public SparseMLPClassifier() {
    this(Uids.stage(null, "sparseMLP"));
  }

  /** With a given uid (Spark ML's readers and {@code copy} call this). */
  public SparseMLPClassifier(String uid) {
    this(Uids.stage(uid, "sparseMLP"));
  }

  private SparseMLPClassifier(Uids.Staged staged) {
    super();
    uid();
    this.params = new ParamSet(this);
    params.setDefaults(this);
  }

  @Override
  public String uid() {
    if (uid == null) {
      uid = Uids.take();
    }
    return uid;
  }

  @Override
  public ParamSet paramSet() {
    if (params == null) {
      throw new IllegalStateException("params are not created yet");
    }
    return params;
  }

  public SparseMLPClassifier setLayers(int[] hidden) { set(layers(), hidden); return this; }
  public SparseMLPClassifier setActivation(String v) { set(activation(), v); return this; }
  public SparseMLPClassifier setSparsity(double v) { set(sparsity(), v); return this; }
  public SparseMLPClassifier setDistribution(String v) { set(distribution(), v); return this; }
  public SparseMLPClassifier setMethod(String v) { set(method(), v); return this; }
  public SparseMLPClassifier setUpdateEvery(int v) { set(updateEvery(), v); return this; }
  public SparseMLPClassifier setDropFraction(double v) { set(dropFraction(), v); return this; }
  public SparseMLPClassifier setOptimizer(String v) { set(optimizer(), v); return this; }
  public SparseMLPClassifier setLearningRate(double v) { set(learningRate(), v); return this; }
  public SparseMLPClassifier setLrSchedule(String v) { set(lrSchedule(), v); return this; }
  public SparseMLPClassifier setMomentum(double v) { set(momentum(), v); return this; }
  public SparseMLPClassifier setWeightDecay(double v) { set(weightDecay(), v); return this; }
  public SparseMLPClassifier setBatchSize(int v) { set(batchSize(), v); return this; }
  public SparseMLPClassifier setEpochs(int v) { set(epochs(), v); return this; }
  public SparseMLPClassifier setSeed(long v) { set(seed(), v); return this; }
  public SparseMLPClassifier setCheckpointDir(String v) { set(checkpointDir(), v); return this; }

  @Override
  public SparseMLPClassifier copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  /**
   * Schema checks plus every param check that needs no data, so a {@code Pipeline} (which checks
   * all stages' schemas first) fails before fitting any stage.
   */
  @Override
  public StructType transformSchema(StructType schema) {
    checkParams();
    return super.transformSchema(schema);
  }

  /**
   * Checks names and combinations the per-param validators cannot (the method against the
   * registry, the method's own constraints, the plan); runs no Spark job.
   */
  void checkParams() {
    try {
      SparsityMethod method = SparsityMethods.create(sparsityConfig(), 1000);
      new TrainingPlan(getEpochs(), getBatchSize(), getSeed(), optimizerOf(), getLearningRate(), getLrSchedule(), 0, method);
    } catch (IllegalArgumentException e) {
      throw e.getMessage() != null && e.getMessage().startsWith(uid() + ": ") ? e
          : new IllegalArgumentException(uid() + ": " + e.getMessage(), e);
    }
  }

  private SparsityConfig sparsityConfig() {
    try {
      return SparsityConfig.builder().set("method", getMethod()).set("target", getSparsity())
          .set("distribution", getDistribution()).set("update_every", (long) getUpdateEvery())
          .set("drop_fraction", getDropFraction()).build();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(uid() + ": " + e.getMessage(), e);
    }
  }

  private Optimizer optimizerOf() {
    String name = getOptimizer().toLowerCase(Locale.ROOT);
    return switch (name) {
      case "sgd" -> new Sgd(getMomentum(), getMomentum() > 0, getWeightDecay(), false);
      case "adam", "adamw" -> new Adam(getMomentum(), 0.999, 1e-8, getWeightDecay(), name.equals("adamw"));
      default -> throw new IllegalArgumentException(uid() + ": unknown optimizer '" + name + "' (known: sgd, adam, adamw)");
    };
  }

  /**
   * Fails before any job, saying which {@code --conf} to add, when the session cannot ship what
   * training ships: Kryo requiring registration without our registrator. (Spark's default Java
   * serializer works as it is.)
   */
  static void checkKryo(org.apache.spark.SparkConf conf) {
    boolean kryo = conf.get("spark.serializer", "").equals("org.apache.spark.serializer.KryoSerializer");
    if (!kryo || !conf.getBoolean("spark.kryo.registrationRequired", false)) {
      return;
    }
    for (String name : conf.get("spark.kryo.registrator", "").split(",")) {
      try {
        if (!name.isBlank() && SparseMLKryoRegistrator.class.isAssignableFrom(
            Class.forName(name.trim(), false, Thread.currentThread().getContextClassLoader()))) {
          return;
        }
      } catch (ClassNotFoundException e) {
        // not ours; keep looking
      }
    }
    throw new IllegalStateException("this session uses Kryo with spark.kryo.registrationRequired=true but does not "
        + "register sparsetrain's classes: add --conf spark.kryo.registrator=" + SparseMLKryoRegistrator.class.getName()
        + " (it may be one of a comma-separated list) when starting the session");
  }

  @Override
  public SparseMLPClassificationModel train(Dataset<?> dataset) {
    checkParams();
    SparkSession spark = dataset.sparkSession();
    checkKryo(spark.sparkContext().getConf());
    int[] hidden = getLayers();
    int classes = getNumClasses(dataset, 100_000);
    Dataset<Row> rows = dataset.select(col(getFeaturesCol()).as(Columns.FEATURES),
        col(getLabelCol()).cast(DataTypes.DoubleType).as(Columns.LABEL));
    Validator.Result checked = Validator.validate(rows, uid() + " training data",
        Validator.Options.of(0, classes, Validator.Policy.FAIL));
    int features = checked.report().features();
    int[] sizes = new int[hidden.length + 2];
    sizes[0] = features;
    System.arraycopy(hidden, 0, sizes, 1, hidden.length);
    sizes[sizes.length - 1] = classes;
    ModelSpec spec = new ModelSpec(sizes, Activation.parse(getActivation()), Loss.SOFTMAX_CROSS_ENTROPY);
    BlockPacker.Packed packed = BlockPacker.pack(checked.data());
    try {
      long total = new BatchSampler(packed.rows(), getBatchSize(), getSeed()).stepsPerEpoch() * getEpochs();
      SparsityMethod method;
      try {
        method = SparsityMethods.create(sparsityConfig(), total, sizes);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(uid() + ": " + e.getMessage() + " (layers " + Arrays.toString(sizes) + ")", e);
      }
      TrainingPlan plan = new TrainingPlan(getEpochs(), getBatchSize(), getSeed(), optimizerOf(), getLearningRate(),
          getLrSchedule(), 0, method);
      LOG.info("{}: training {} on {} rows, {} classes, {} steps, {}", uid(), spec, packed.rows(), classes, total,
          getCheckpointDir() == null ? "no checkpoint directory" : "checkpoint directory " + getCheckpointDir()
              + " recorded (periodic checkpoints are not written by fit yet)");
      SparkTrainerOptions options = SparkTrainerOptions.DEFAULTS.withRunName(uid());
      // the trainer evaluates after every epoch; on the training blocks that is the training loss and accuracy
      TrainResult result = new SparkTrainer(spark, spec, plan, options).train(packed.blocks(), packed.blocks(),
          TrainingListener.NONE);
      LOG.info("{}: trained {} steps in {} s, training accuracy {}, loss {}, global density {}", uid(), result.steps(),
          String.format(Locale.ROOT, "%.1f", result.wallSeconds()), String.format(Locale.ROOT, "%.4f", result.test().accuracy()),
          String.format(Locale.ROOT, "%.4f", result.test().meanLoss()),
          String.format(Locale.ROOT, "%.4f", result.network().nnz() / (double) result.network().denseWeights()));
      return new SparseMLPClassificationModel(uid(), SparseMLPClassificationModel.Weights.of(result.network()))
          .setParent(this);
    } finally {
      packed.unpersist();
    }
  }

  // ------------------------------------------------------------------ persistence (params only)

  public static MLReader<SparseMLPClassifier> read() {
    return new DefaultParamsReader<>();
  }

  public static SparseMLPClassifier load(String path) {
    return read().load(path);
  }
}
