package org.sparsetrain.training.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.optim.Optimizer;
import org.sparsetrain.training.optim.Sgd;
import org.sparsetrain.training.sparsity.SparsityMethod;

/** Shared test helpers: Spark configuration, a small synthetic problem, and model comparisons. */
final class SparkTestSupport {
  private SparkTestSupport() {}

  static final int FEATURES = 10;
  static final int CLASSES = 3;
  static final ModelSpec SPEC = new ModelSpec(new int[] {FEATURES, 24, 16, CLASSES}, Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY);

  /** Kryo with registration required and unsafe streams (as our own sessions run), no UI, small everything. */
  static SparkConf conf(String master, String app) {
    return new SparkConf().setMaster(master).setAppName(app)
        .set("spark.ui.enabled", "false")
        .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .set("spark.kryo.registrationRequired", "true")
        .set("spark.kryo.unsafe", "true")
        .set("spark.kryo.registrator", SparsetrainKryoRegistrator.class.getName())
        .set("spark.sql.shuffle.partitions", "2")
        .set("spark.default.parallelism", "2")
        .set("spark.driver.host", "127.0.0.1");
  }

  /** Adds the description of every job {@code sc} starts to {@code into} (guarded by {@code into}). */
  static void recordJobDescriptions(org.apache.spark.SparkContext sc, java.util.List<String> into) {
    sc.addSparkListener(new org.apache.spark.scheduler.SparkListener() {
      @Override
      public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart e) {
        synchronized (into) {
          into.add(String.valueOf(e.properties().getProperty("spark.job.description")));
        }
      }
    });
  }

  /** For local-cluster: executors in their own JVMs need a Spark home and the test class path. */
  static SparkConf clusterConf(String app) {
    String home = System.getenv("SPARK_HOME");
    if (home == null) {
      throw new IllegalStateException("SPARK_HOME is not set (surefire sets it to target/spark-home)");
    }
    new File(home, "jars").mkdirs();
    return conf("local-cluster[2,1,1024]", app)
        .set("spark.executor.extraClassPath", System.getProperty("java.class.path"))
        .set("spark.executor.extraJavaOptions", "--add-modules=jdk.incubator.vector")
        .set("spark.executor.memory", "512m")
        .set("spark.task.maxFailures", "2");
  }

  /**
   * n rows labelled by a fixed random two-layer teacher (argmax), features N(0,1); ids start at
   * {@code firstRow}.
   */
  static DataBlock data(long seed, long firstRow, int n) {
    SplittableRandom teacher = new SplittableRandom(12345);
    float[][] w1 = new float[8][FEATURES];
    float[][] w2 = new float[CLASSES][8];
    for (float[] r : w1) {
      for (int c = 0; c < r.length; c++) {
        r[c] = (float) (teacher.nextDouble() * 2 - 1);
      }
    }
    for (float[] r : w2) {
      for (int c = 0; c < r.length; c++) {
        r[c] = (float) (teacher.nextDouble() * 2 - 1);
      }
    }
    SplittableRandom rnd = new SplittableRandom(seed);
    float[] x = new float[n * FEATURES];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      for (int f = 0; f < FEATURES; f++) {
        x[i * FEATURES + f] = (float) (rnd.nextDouble() * 2 - 1) * 1.5f;
      }
      double[] h = new double[8];
      for (int j = 0; j < 8; j++) {
        for (int f = 0; f < FEATURES; f++) {
          h[j] += w1[j][f] * x[i * FEATURES + f];
        }
        h[j] = Math.max(0, h[j]);
      }
      int best = 0;
      double bv = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < CLASSES; c++) {
        double z = 0;
        for (int j = 0; j < 8; j++) {
          z += w2[c][j] * h[j];
        }
        if (z > bv) {
          bv = z;
          best = c;
        }
      }
      y[i] = best;
    }
    return DataBlock.dense(firstRow, FEATURES, x, y);
  }

  /** Splits a block into consecutive blocks of the given sizes (0 = an empty block). */
  static List<DataBlock> split(DataBlock all, int... sizes) {
    List<DataBlock> out = new ArrayList<>();
    int from = 0;
    for (int s : sizes) {
      out.add(Blocks.slice(all, from, s));
      from += s;
    }
    assertEquals(all.rows(), from, "split sizes must cover the block");
    return out;
  }

  /** One block per partition. */
  static JavaRDD<DataBlock> rdd(JavaSparkContext sc, List<DataBlock> blocks) {
    return sc.parallelize(blocks, blocks.size());
  }

  static TrainingPlan plan(SparsityMethod method, Optimizer opt) {
    return new TrainingPlan(3, 20, 7L, opt, 0.05, "cosine", 0, method);
  }

  static TrainingPlan plan(SparsityMethod method) {
    return plan(method, new Sgd(0.9, false, 1e-4, false));
  }

  static SparkTrainerOptions options(int shards) {
    return SparkTrainerOptions.DEFAULTS.withVirtualShards(shards).withLogEvery(0).withRunName("test");
  }

  /** Asserts equal masks and values within {@code tol}; returns the largest value difference. */
  static double assertSameModel(Network expected, Network actual, double tol, String what) {
    double max = 0;
    assertEquals(expected.layerCount(), actual.layerCount());
    for (int l = 0; l < expected.layerCount(); l++) {
      Layer a = expected.layer(l);
      Layer b = actual.layer(l);
      assertArrayEquals(a.rowPtr(), b.rowPtr(), what + ": rowPtr of layer " + l);
      assertArrayEquals(a.colIdx(), b.colIdx(), what + ": mask of layer " + l);
      max = Math.max(max, maxDiff(a.values(), b.values()));
      max = Math.max(max, maxDiff(a.bias(), b.bias()));
    }
    if (!(max <= tol)) {
      throw new AssertionError(what + ": largest value difference " + max + " exceeds " + tol);
    }
    return max;
  }

  static double maxDiff(float[] a, float[] b) {
    assertEquals(a.length, b.length);
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs((double) a[i] - b[i]));
    }
    return m;
  }

  static String describe(float[] a) {
    return Arrays.toString(Arrays.copyOf(a, Math.min(4, a.length)));
  }
}
