package org.sparsetrain.jobs.ml;

import static org.apache.spark.sql.functions.col;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.CRC32C;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
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
import org.sparsetrain.jobs.output.CheckpointPolicy;
import org.sparsetrain.pruning.SparsityConfig;
import org.sparsetrain.pruning.SparsityMethods;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.TrainResult;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.checkpoint.Checkpoint;
import org.sparsetrain.training.checkpoint.CheckpointStore;
import org.sparsetrain.training.checkpoint.RestoredCheckpoint;
import org.sparsetrain.training.checkpoint.Secrets;
import org.sparsetrain.training.data.BatchSampler;
import org.sparsetrain.training.data.DataBlock;
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
 * <p><b>Checkpoints.</b> With {@code checkpointDir} set (any Hadoop path), {@code fit} checkpoints
 * into it through the train job's {@link CheckpointStore} and {@link CheckpointPolicy}: at every
 * epoch's end and at the last step, atomically and verified, keeping the last three. A {@code fit}
 * on a directory that holds checkpoints continues from the newest valid one (a finished fit's last
 * checkpoint gives its model back without training) and ends with the model of an uninterrupted
 * fit, bit for bit. The directory belongs to one fit: its checkpoints record the params, the layer
 * sizes and a hash of the training rows, and a {@code fit} with other params or data fails instead
 * of continuing them.
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
          getCheckpointDir() == null ? "no checkpoints" : "checkpoints in " + getCheckpointDir());
      SparkTrainerOptions options = SparkTrainerOptions.DEFAULTS.withRunName(uid());
      SparkTrainer trainer = new SparkTrainer(spark, spec, plan, options);
      // the trainer evaluates after every epoch; on the training blocks that is the training loss and accuracy
      TrainResult result = getCheckpointDir() == null
          ? trainer.train(packed.blocks(), packed.blocks(), TrainingListener.NONE)
          : trainWithCheckpoints(spark, trainer, spec, plan, total, packed);
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

  /**
   * Trains with checkpoints in {@code checkpointDir}: from its newest valid checkpoint when it
   * holds one of this fit (same params, sizes and rows), else from step 0.
   */
  private TrainResult trainWithCheckpoints(SparkSession spark, SparkTrainer trainer, ModelSpec spec, TrainingPlan plan,
                                           long total, BlockPacker.Packed packed) {
    String dirName = getCheckpointDir();
    String fit = fitDescription(spec, plan, packed);
    String recorded = Secrets.redactConfigText(fit);
    ByteArrayOutputStream notes = new ByteArrayOutputStream();
    try (PrintStream console = new PrintStream(notes, true, StandardCharsets.UTF_8)) {
      Path dir = new Path(dirName);
      FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
      CheckpointStore store = CheckpointStore.open(fs, dir);
      CheckpointStore.Restored<TrainingState> restored = store.restoreWith(spec, plan.method(), plan.optimizer(), (d, m) -> {
        if (!recorded.equals(m.config())) {
          throw new IllegalArgumentException(uid() + ": checkpointDir " + dirName + " holds checkpoints of another fit ("
              + d.getName() + " was written with other params or training data); use another checkpointDir, or delete"
              + " its checkpoints to start afresh");
        }
        RestoredCheckpoint c = Checkpoint.read(fs, d, plan.optimizer());
        return new TrainingState(c.network(), c.optimizer(), plan.method(), plan.learningRate(total), plan.seed(), total,
            c.step(), m.maskVersion());
      });
      for (String p : restored.problems()) {
        LOG.warn("{}: checkpoint skipped: {}", uid(), p);
      }
      TrainingState start;
      if (restored.found()) {
        start = restored.value();
        LOG.info("{}: resuming from {}: step {} of {}", uid(), restored.dir(), start.step(), total);
      } else {
        start = TrainingState.fresh(spec, plan, packed.rows());
      }
      long stepsPerEpoch = total / plan.epochs();
      return trainer.continueTraining(start, packed.blocks(), packed.blocks(),
          new CheckpointPolicy(store, fit, 0, true, stepsPerEpoch, start.step(), console));
    } catch (IOException e) {
      throw new UncheckedIOException(uid() + ": checkpointDir " + dirName + ": " + e.getMessage(), e);
    } finally {
      String n = notes.toString(StandardCharsets.UTF_8).strip();
      if (!n.isEmpty()) {
        LOG.warn("{}: {}", uid(), n);
      }
    }
  }

  /**
   * What a checkpoint of this fit records as its config, and what a later fit must match to continue
   * it: every param that shapes training, the layer sizes, and the training rows' count and hash.
   */
  private String fitDescription(ModelSpec spec, TrainingPlan plan, BlockPacker.Packed packed) {
    long hash = packed.blocks().map(SparseMLPClassifier::rowsHash).fold(0L, Long::sum);
    return String.join("\n",
        "fit: " + getClass().getSimpleName(),
        "layers: " + Arrays.toString(spec.sizes()),
        "activation: " + getActivation(),
        "method: " + getMethod(),
        "sparsity: " + getSparsity(),
        "distribution: " + getDistribution(),
        "update_every: " + getUpdateEvery(),
        "drop_fraction: " + getDropFraction(),
        "optimizer: " + plan.optimizer().describe(),
        "learning_rate: " + getLearningRate(),
        "lr_schedule: " + getLrSchedule(),
        "batch_size: " + getBatchSize(),
        "epochs: " + getEpochs(),
        "seed: " + getSeed(),
        "training_rows: " + packed.rows(),
        "training_rows_hash: " + Long.toHexString(hash),
        "");
  }

  /**
   * A block's rows hashed one by one (global row id, label, features as dense floats) and summed:
   * the same for the same rows in the same order however they are cut into blocks and partitions.
   */
  static long rowsHash(DataBlock b) {
    ByteBuffer buf = ByteBuffer.allocate(12 + 4 * b.features()).order(ByteOrder.LITTLE_ENDIAN);
    CRC32C crc = new CRC32C();
    long sum = 0;
    for (int r = 0; r < b.rows(); r++) {
      buf.clear();
      buf.putLong(b.firstRow() + r).putInt(b.label(r));
      for (float v : b.row(r)) {
        buf.putFloat(v);
      }
      crc.reset();
      crc.update(buf.array(), 0, buf.position());
      long z = (crc.getValue() << 32 | (b.firstRow() + r) & 0xffffffffL) + 0x9e3779b97f4a7c15L;   // splitmix64's finaliser
      z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
      z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
      sum += z ^ (z >>> 31);
    }
    return sum;
  }

  // ------------------------------------------------------------------ persistence (params only)

  public static MLReader<SparseMLPClassifier> read() {
    return new DefaultParamsReader<>();
  }

  public static SparseMLPClassifier load(String path) {
    return read().load(path);
  }
}
