package org.sparsetrain.bench.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag$;

/**
 * What one Spark job costs on this machine before any training work, the floor under the
 * distributed trainer's per-step (or per-round) overhead: the mean wall time of a job of one task
 * per partition over a cached RDD that returns {@code payload} bytes per task (0, and the 282 411
 * fixed-point longs of the benchmark net's gradient), and the round trip of
 * {@link BarrierTaskContext#allGather} — the one public Spark API through which the tasks of a
 * running job could exchange gradients without a job per step.
 *
 * <pre>
 * java … org.sparsetrain.bench.spark.SparkFloor [master=local[2]] [partitions=2] [jobs=200] [gathers=5]
 * </pre>
 */
public final class SparkFloor {
  private SparkFloor() {}

  public static void main(String[] args) {
    String master = MllibBaseline.arg(args, "master", "local[2]");
    int partitions = Integer.parseInt(MllibBaseline.arg(args, "partitions", "2"));
    int jobs = Integer.parseInt(MllibBaseline.arg(args, "jobs", "200"));
    int gathers = Integer.parseInt(MllibBaseline.arg(args, "gathers", "5"));
    SparkSession spark = SparkSession.builder().master(master).appName("spark-floor")
        .config("spark.ui.enabled", "false")
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .config("spark.task.maxDirectResultSize", "64m")
        .config("spark.broadcast.compress", "false").getOrCreate();
    try {
      JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      List<Integer> ids = new ArrayList<>();
      for (int i = 0; i < partitions; i++) {
        ids.add(i);
      }
      JavaRDD<Integer> rdd = sc.parallelize(ids, partitions).cache();
      rdd.count();
      for (int longs : new int[] {0, 282_411}) {
        double ms = 0;
        for (int round = 0; round < 3; round++) { // the last of three rounds, after the JIT
          long t0 = System.nanoTime();
          for (int j = 0; j < jobs; j++) {
            rdd.mapPartitions(it -> Collections.singletonList(new long[longs]).iterator()).collect();
          }
          ms = (System.nanoTime() - t0) / 1e6 / jobs;
        }
        System.out.printf(Locale.ROOT, "job of %d tasks, %,d bytes back per task: %.1f ms per job (%s)%n", partitions,
            8L * longs, ms, master);
      }
      Object[] perGather = (Object[]) rdd.rdd().barrier()
          .mapPartitions(new Gather(gathers), false, ClassTag$.MODULE$.apply(Long.class)).collect();
      System.out.printf(Locale.ROOT, "BarrierTaskContext.allGather of 1.5 MB per task: %.0f ms per round trip (%s)%n",
          Arrays.stream(perGather).mapToLong(v -> (Long) v).average().orElse(Double.NaN) / 1e6, master);
    } finally {
      spark.stop();
    }
  }

  /** Each task allGathers a 1.5 MB string {@code n} times and returns the mean nanoseconds per call. */
  static final class Gather extends scala.runtime.AbstractFunction1<scala.collection.Iterator<Integer>,
      scala.collection.Iterator<Long>> implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final int n;

    Gather(int n) {
      this.n = n;
    }

    @Override
    public scala.collection.Iterator<Long> apply(scala.collection.Iterator<Integer> it) {
      BarrierTaskContext ctx = BarrierTaskContext.get();
      String message = Base64.getEncoder().encodeToString(new byte[1_129_644]);
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        ctx.allGather(message);
      }
      return JavaConverters.asScalaIterator(Collections.singletonList((System.nanoTime() - t0) / n).iterator());
    }
  }
}
