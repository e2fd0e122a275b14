package org.sparsetrain.jobs.engine;

import java.io.IOException;
import java.util.Locale;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.sparsetrain.data.BlockPacker;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.TrainResult;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.checkpoint.CheckpointStore;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.spark.SparkTrainer;
import org.sparsetrain.training.spark.SparkTrainerOptions;
import org.sparsetrain.jobs.ml.SparseMLKryoRegistrator;
import org.sparsetrain.training.spark.sharded.ShardedOptions;
import org.sparsetrain.training.spark.sharded.ShardedSparkTrainer;
import org.sparsetrain.training.spark.sharded.ShardedStart;

/**
 * Trains on Spark with the {@link SparkTrainer}: data packed once into cached blocks, the model
 * on the driver. Joins the active session when there is one (spark-shell, a notebook, another
 * job) and only stops a session it started itself.
 */
public final class SparkEngine implements Engine {
  private final SparkSession spark;
  private final boolean ownsSession;
  private final BlockPacker.Packed train;
  private final JavaRDD<DataBlock> test;
  private final SparkTrainerOptions options;
  private final ShardedOptions sharded;

  /** @param sharded options of the sharded mode, or null for the driver-held model */
  public SparkEngine(SparkSession spark, boolean ownsSession, BlockPacker.Packed train, JavaRDD<DataBlock> test,
                     SparkTrainerOptions options, ShardedOptions sharded) {
    this.spark = spark;
    this.ownsSession = ownsSession;
    this.train = train;
    this.test = test;
    this.options = options;
    this.sharded = sharded;
  }

  /** Task results up to this size travel with the status update (our sessions only; see {@link #session}). */
  static final String DIRECT_RESULT_SIZE = "64m";

  /** The active session, or a new one on {@code master} (default: spark-submit's, else local[*]). */
  public static SparkSession session(String master, String appName) {
    return session(master, appName, java.util.Map.of());
  }

  /**
   * The active session as it is, or a new one on {@code master} with Kryo (unsafe streams), our
   * registrator, direct task results up to {@value #DIRECT_RESULT_SIZE}, uncompressed broadcasts and
   * {@code defaults} (each only where spark-submit did not set the key).
   */
  public static SparkSession session(String master, String appName, java.util.Map<String, String> defaults) {
    var active = SparkSession.getActiveSession();
    if (active.isDefined()) {
      return active.get();
    }
    var def = SparkSession.getDefaultSession();
    if (def.isDefined()) {
      return def.get();
    }
    SparkSession.Builder b = SparkSession.builder().appName(appName);
    if (master != null) {
      b.master(master);
    } else if (System.getProperty("spark.master") == null) {
      b.master("local[*]");
    }
    if (System.getProperty("spark.serializer") == null) {
      b.config("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
      b.config("spark.kryo.registrator", SparseMLKryoRegistrator.class.getName());
    }
    if (System.getProperty("spark.ui.showConsoleProgress") == null) {
      b.config("spark.ui.showConsoleProgress", "false");
    }
    if (System.getProperty("spark.task.maxDirectResultSize") == null) {
      // a step's gradient sum (8 bytes per parameter) goes back with the task's status update
      // instead of a second round trip through the block manager (Spark caps it at the RPC size)
      b.config("spark.task.maxDirectResultSize", DIRECT_RESULT_SIZE);
    }
    if (System.getProperty("spark.kryo.unsafe") == null) {
      // Kryo's unsafe streams copy float and long arrays in bulk: the round's values and momentum
      // (2.3 MB on the benchmark net) went out in about 10 ms instead of 20, and came back faster
      b.config("spark.kryo.unsafe", "true");
    }
    if (System.getProperty("spark.broadcast.compress") == null) {
      // model values are incompressible floats: LZ4 costs the driver 3-5 ms per MB every step and
      // saves nothing (1 129 649 -> 1 130 405 bytes for the big net's values)
      b.config("spark.broadcast.compress", "false");
    }
    defaults.forEach((k, v) -> {
      if (System.getProperty(k) == null) {
        b.config(k, v);
      }
    });
    return b.getOrCreate();
  }

  /** Whether a session exists already (then it is not ours to stop). */
  public static boolean sessionExists() {
    return SparkSession.getActiveSession().isDefined() || SparkSession.getDefaultSession().isDefined();
  }

  @Override
  public long trainRows() {
    return train.rows();
  }

  @Override
  public String describe() {
    if (sharded == null && options.barrier()) {
      return String.format(Locale.ROOT, "spark %s, %d partitions, barrier stages between mask updates (tasks allreduce"
          + " gradients among themselves), model on the driver", spark.sparkContext().master(), train.partitions());
    }
    return sharded == null
        ? String.format(Locale.ROOT, "spark %s, %d partitions, %d local step(s) per job, model on the driver",
            spark.sparkContext().master(), train.partitions(), options.localSteps())
        : String.format(Locale.ROOT, "spark %s, %d partitions, weights sharded over the executors (%s shards per layer)",
            spark.sparkContext().master(), train.partitions(), sharded.shards() == 0 ? "default parallelism" : sharded.shards());
  }

  /** In sharded mode the shards' owners verify the checkpoint and load it later; the driver reads only masks. */
  @Override
  public CheckpointStore.Restored<Start> restore(ModelSpec spec, TrainingPlan plan, long totalSteps, CheckpointStore store)
      throws IOException {
    if (sharded == null) {
      return Engine.super.restore(spec, plan, totalSteps, store);
    }
    CheckpointStore.Restored<ShardedStart> r = new ShardedSparkTrainer(spark, spec, plan, sharded).restore(store, totalSteps);
    return new CheckpointStore.Restored<>(r.found() ? new Start.Sharded(r.value()) : null, r.dir(), r.manifest(),
        r.problems());
  }

  /**
   * In sharded mode a fresh run's values and optimizer state are never on the driver: it draws only
   * the masks and the shards' owners draw their values ({@link ShardedStart#fresh()}).
   */
  @Override
  public Start fresh(ModelSpec spec, TrainingPlan plan) {
    return sharded == null ? Engine.super.fresh(spec, plan) : new Start.Sharded(ShardedStart.fresh());
  }

  @Override
  public TrainResult train(ModelSpec spec, TrainingPlan plan, Start start, TrainingListener listener) {
    if (start instanceof Start.Sharded s && sharded != null) {
      return new ShardedSparkTrainer(spark, spec, plan, sharded).continueTraining(s.start(), train.blocks(), test, listener);
    }
    return Engine.super.train(spec, plan, start, listener);
  }

  @Override
  public TrainResult train(ModelSpec spec, TrainingPlan plan, TrainingState state, TrainingListener listener) {
    if (sharded != null) {
      return new ShardedSparkTrainer(spark, spec, plan, sharded).continueTraining(state, train.blocks(), test, listener);
    }
    return new SparkTrainer(spark, spec, plan, options).continueTraining(state, train.blocks(), test, listener);
  }

  @Override
  public void close() {
    train.unpersist();
    test.unpersist(false);
    if (ownsSession) {
      spark.stop();
    }
  }
}
