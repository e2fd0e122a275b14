package org.sparsetrain.bench.spark;

import java.util.Arrays;
import java.util.Locale;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparsetrain.data.DataReaders;

/**
 * The Spark MLlib baseline: {@code MultilayerPerceptronClassifier} on Fashion-MNIST with the same
 * layer sizes as ours. MLlib's hidden layers are sigmoid (not configurable) and its output is
 * softmax. With {@code solver=gd} every iteration is one full pass of gradient computation over
 * the training set, so samples/s = rows × iterations / seconds, directly comparable to ours.
 *
 * <pre>
 * java … org.sparsetrain.bench.spark.MllibBaseline [master=local[2]] [layers=784,1000,1000,1000,10] [iterations=5] [partitions=2]
 * </pre>
 */
public final class MllibBaseline {
  private MllibBaseline() {}

  public static void main(String[] args) {
    String master = arg(args, "master", "local[2]");
    int[] layers = Arrays.stream(arg(args, "layers", "784,1000,1000,1000,10").split(",")).mapToInt(Integer::parseInt).toArray();
    int iterations = Integer.parseInt(arg(args, "iterations", "5"));
    int partitions = Integer.parseInt(arg(args, "partitions", "2"));
    String dir = arg(args, "data", "/usr/share/datasets/fashion-mnist");
    SparkSession spark = SparkSession.builder().master(master).appName("mllib-mlp-baseline")
        .config("spark.ui.enabled", "false").getOrCreate();
    try {
      Dataset<Row> train = DataReaders.idx(spark, dir + "/train-images-idx3-ubyte.gz", dir + "/train-labels-idx1-ubyte.gz", partitions).cache();
      Dataset<Row> test = DataReaders.idx(spark, dir + "/t10k-images-idx3-ubyte.gz", dir + "/t10k-labels-idx1-ubyte.gz", partitions).cache();
      long rows = train.count();
      test.count();
      MultilayerPerceptronClassifier mlp = new MultilayerPerceptronClassifier().setLayers(layers).setSolver("gd")
          .setStepSize(0.5).setMaxIter(iterations).setTol(0).setBlockSize(128).setSeed(42);
      mlp.fit(train.limit(1024));  // warm-up: JIT, broadcast and task set-up paths
      long t0 = System.nanoTime();
      MultilayerPerceptronClassificationModel model = mlp.fit(train);
      double seconds = (System.nanoTime() - t0) / 1e9;
      double acc = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(model.transform(test));
      System.out.printf(Locale.ROOT, "mllib MultilayerPerceptronClassifier %s, %s, solver=gd, %d iterations over %d rows: %.1f s, %.0f samples/s, test accuracy %.4f (after only %d full-batch steps)%n",
          Arrays.toString(layers), master, iterations, rows, seconds, rows * (double) iterations / seconds, acc, iterations);
    } finally {
      spark.stop();
    }
  }

  static String arg(String[] args, String key, String def) {
    for (String a : args) {
      if (a.startsWith(key + "=")) {
        return a.substring(key.length() + 1);
      }
    }
    return def;
  }
}
