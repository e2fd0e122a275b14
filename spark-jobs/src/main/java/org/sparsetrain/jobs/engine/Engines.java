package org.sparsetrain.jobs.engine;

import java.io.IOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.sparsetrain.data.BlockPacker;
import org.sparsetrain.data.SyntheticTeacher;
import org.sparsetrain.jobs.config.ConfigException;
import org.sparsetrain.jobs.config.JobConfig;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.jobs.config.TrainSetup;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.spark.DriverMemory;
import org.sparsetrain.training.spark.SparkTrainerOptions;
import org.sparsetrain.training.spark.sharded.DistributionMode;
import org.sparsetrain.training.spark.sharded.ShardedOptions;

/** Opens the engine that {@code distribution.mode} names, with the config's data loaded into it. */
public final class Engines {
  private Engines() {}

  /**
   * A Spark session for a run in {@code driver} mode (the active one, or a new one on
   * {@code master}) and whether this run owns it; null for {@code local} mode.
   */
  public record Session(SparkSession spark, boolean owned) {
    /**
     * The Hadoop configuration runs read and write through: Spark's, or without Spark the default
     * with the {@code spark.hadoop.*} system properties applied as Spark would.
     */
    public Configuration hadoop() {
      return spark == null ? withSparkHadoopProperties(new Configuration()) : spark.sparkContext().hadoopConfiguration();
    }

    /** Stops the session if this run started it. */
    public void release() {
      if (spark != null && owned) {
        spark.stop();
      }
    }
  }

  /**
   * The mode a run uses: {@code auto} becomes {@code driver} while the model and its optimizer
   * state fit comfortably in this JVM's heap, {@code sharded} otherwise; the reason is printed.
   */
  public static String resolveMode(JobConfig cfg, java.io.PrintStream console) {
    String mode = cfg.getString("distribution.mode");
    if (!mode.equals("auto")) {
      return mode;
    }
    TrainingPlan plan = TrainSetup.plan(cfg, 1000);
    DistributionMode.Choice c = DistributionMode.choose(TrainSetup.model(cfg), plan.method(), plan.optimizer(),
        cfg.getInt("distribution.local_steps"), Math.max(1, cfg.getInt("distribution.partitions")));
    String chosen = c.mode().name().toLowerCase(java.util.Locale.ROOT);
    console.println("distribution.mode auto: " + chosen + " (" + c.reason() + ")");
    return chosen;
  }

  /**
   * The Hadoop configuration a run in {@code mode} will use, before its session starts: the
   * existing session's, or the default with the {@code spark.hadoop.*} system properties (what
   * spark-submit's {@code --conf spark.hadoop.*} sets) applied, as a new session's will have them.
   */
  public static Configuration hadoopBeforeSession(String mode) {
    if (!mode.equals("local") && SparkEngine.sessionExists()) {
      var active = SparkSession.getActiveSession();
      return (active.isDefined() ? active.get() : SparkSession.getDefaultSession().get()).sparkContext().hadoopConfiguration();
    }
    return withSparkHadoopProperties(new Configuration());
  }

  /** {@code conf} with every {@code spark.hadoop.KEY} system property set as {@code KEY}. */
  static Configuration withSparkHadoopProperties(Configuration conf) {
    for (String k : System.getProperties().stringPropertyNames()) {
      if (k.startsWith("spark.hadoop.")) {
        conf.set(k.substring("spark.hadoop.".length()), System.getProperty(k), "spark.hadoop property");
      }
    }
    return conf;
  }

  public static Session session(JobConfig cfg, String mode, String master) {
    if (mode.equals("local")) {
      if (master != null) {
        throw new ConfigException("--master needs a Spark mode, e.g. distribution.mode=driver or barrier (the config says local)");
      }
      return new Session(null, false);
    }
    boolean existed = SparkEngine.sessionExists();
    return new Session(SparkEngine.session(master, "sparsetrain"), !existed);
  }

  /** The engine for the config's mode, with its data loaded; takes over stopping an owned session. */
  public static Engine open(JobConfig cfg, String mode, Session session) throws IOException {
    if (session.spark() == null) {
      Configuration hadoop = session.hadoop();
      DataBlock train = LocalData.read(cfg, hadoop, "train");
      return new LocalEngine(train, LocalData.read(cfg, hadoop, "test"));
    }
    if (cfg.getInt("data.limit_train") > 0 || cfg.getInt("data.limit_test") > 0) {
      throw cfg.invalid("data.limit_train/limit_test are for distribution.mode=local only", "data.limit_train", "data.limit_test",
          "distribution.mode");
    }
    SparkTrainerOptions options;
    try {
      options = SparkTrainerOptions.DEFAULTS.withLocalSteps(cfg.getInt("distribution.local_steps"))
          .withVirtualShards(cfg.getInt("distribution.virtual_shards")).withLogEvery(0)
          .withBarrier(mode.equals("barrier"));
    } catch (IllegalArgumentException e) {
      throw cfg.invalid(e.getMessage(), "distribution.local_steps", "distribution.virtual_shards", "distribution.mode");
    }
    SparkSession spark = session.spark();
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int partitions = cfg.getInt("distribution.partitions") > 0 ? cfg.getInt("distribution.partitions") : sc.defaultParallelism();
    if (mode.equals("driver") || mode.equals("barrier")) {
      TrainingPlan plan = TrainSetup.plan(cfg, 1000);
      DriverMemory.of(TrainSetup.model(cfg), plan.method(), plan.optimizer(), options.localSteps(), partitions, sc.isLocal())
          .check(options.driverHeap());
    }
    int[] layers = cfg.getIntArray("model.layers");
    BlockPacker.Packed train;
    JavaRDD<DataBlock> test;
    switch (cfg.getString("data.format")) {
      case "idx":
        train = BlockPacker.idx(sc, cfg.getString("data.train_images"), cfg.getString("data.train_labels"), partitions);
        test = BlockPacker.idx(sc, cfg.getString("data.test_images"), cfg.getString("data.test_labels"), partitions).blocks();
        break;
      case "synthetic": {
        SyntheticTeacher teacher = new SyntheticTeacher(layers[0], layers[layers.length - 1], cfg.getLong("training.seed"));
        long rows = cfg.getLong("data.synthetic_rows");
        train = BlockPacker.synthetic(sc, teacher, rows, partitions);
        long testRows = cfg.getLong("data.synthetic_test_rows");
        if (testRows <= 0 || testRows > Integer.MAX_VALUE) {
          throw cfg.invalid("data.synthetic_test_rows must be in [1, " + Integer.MAX_VALUE + "], got " + testRows);
        }
        test = sc.parallelize(List.of(teacher.block(rows, (int) testRows)), 1).cache();
        break;
      }
      default:
        throw cfg.invalid("unknown data.format '" + cfg.getString("data.format") + "' (known: idx, synthetic)");
    }
    ShardedOptions sharded = null;
    if (mode.equals("sharded")) {
      try {
        sharded = new ShardedOptions(options, cfg.getInt("distribution.shards"), cfg.getInt("distribution.lineage_checkpoint_every"),
            null, ShardedOptions.DEFAULTS.candidateFraction(), true, cfg.getInt("distribution.max_recoveries"));
      } catch (IllegalArgumentException e) {
        throw cfg.invalid(e.getMessage(), TrainSetup.keysOf("distribution."));
      }
    }
    return new SparkEngine(spark, session.owned(), train, test, options, sharded);
  }
}
