package org.sparsetrain.training.spark.sharded;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.nn.Network;

/** Spark configuration, a small synthetic problem and exact model comparison for the sharded tests. */
final class ShardedTestSupport {
  private ShardedTestSupport() {}

  static final int FEATURES = 12;
  static final int CLASSES = 3;
  static final ModelSpec SPEC = new ModelSpec(new int[] {FEATURES, 20, 14, CLASSES}, Activation.RELU,
      Loss.SOFTMAX_CROSS_ENTROPY);

  static SparkConf conf(String master, String app) {
    return new SparkConf().setMaster(master).setAppName(app)
        .set("spark.ui.enabled", "false")
        .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .set("spark.kryo.registrationRequired", "true")
        .set("spark.kryo.registrator", org.sparsetrain.training.spark.SparsetrainKryoRegistrator.class.getName())
        .set("spark.sql.shuffle.partitions", "2")
        .set("spark.default.parallelism", "2")
        .set("spark.driver.host", "127.0.0.1");
  }

  /** n rows, labels from a fixed random linear teacher's argmax over |features| mixes; ids from {@code first}. */
  static DataBlock data(long seed, long first, int n) {
    SplittableRandom teacher = new SplittableRandom(99);
    float[][] w = new float[CLASSES][FEATURES];
    for (float[] r : w) {
      for (int c = 0; c < FEATURES; c++) {
        r[c] = (float) (teacher.nextDouble() * 2 - 1);
      }
    }
    SplittableRandom rnd = new SplittableRandom(seed);
    float[] x = new float[n * FEATURES];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      double best = Double.NEGATIVE_INFINITY;
      for (int f = 0; f < FEATURES; f++) {
        x[i * FEATURES + f] = (float) (rnd.nextGaussian());
      }
      for (int c = 0; c < CLASSES; c++) {
        double z = 0;
        for (int f = 0; f < FEATURES; f++) {
          z += w[c][f] * Math.abs(x[i * FEATURES + f]) * (f % 2 == 0 ? 1 : x[i * FEATURES + f]);
        }
        if (z > best) {
          best = z;
          y[i] = c;
        }
      }
    }
    return DataBlock.dense(first, FEATURES, x, y);
  }

  /** Consecutive blocks of the given sizes, one per partition. */
  static JavaRDD<DataBlock> rdd(JavaSparkContext sc, DataBlock all, int... sizes) {
    List<DataBlock> out = new ArrayList<>();
    int from = 0;
    for (int s : sizes) {
      float[] x = Arrays.copyOfRange(all.denseFeatures(), from * all.features(), (from + s) * all.features());
      out.add(DataBlock.dense(all.firstRow() + from, all.features(), x, Arrays.copyOfRange(all.labels(), from, from + s)));
      from += s;
    }
    assertEquals(all.rows(), from);
    return sc.parallelize(out, out.size());
  }

  /** Same masks and bit-identical values and biases. */
  static void assertIdentical(Network a, Network b, String what) {
    assertEquals(a.layerCount(), b.layerCount());
    for (int l = 0; l < a.layerCount(); l++) {
      Layer x = a.layer(l);
      Layer y = b.layer(l);
      assertArrayEquals(x.rowPtr(), y.rowPtr(), what + ": row pointers of layer " + l);
      assertArrayEquals(x.colIdx(), y.colIdx(), what + ": mask of layer " + l);
      assertArrayEquals(x.values(), y.values(), 0f, what + ": values of layer " + l);
      assertArrayEquals(x.bias(), y.bias(), 0f, what + ": bias of layer " + l);
    }
  }
}
