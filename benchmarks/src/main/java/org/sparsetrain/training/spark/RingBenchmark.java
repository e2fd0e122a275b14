package org.sparsetrain.training.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
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
 * What the barrier mode's collective costs on this machine: one barrier stage of {@code P} tasks
 * opens a {@link BarrierRing} (as {@code StretchTask} does) and times {@link BarrierRing#allreduce}
 * of {@code long[n]} for n = 2^min … 2^max and {@link BarrierRing#allgather} of {@code long[4]}; the
 * driver prints the per-call medians as a Markdown table and fits the α-β model
 * t(n) = α + bytes/β by least squares on the medians, bytes being what each task sends:
 * 2·(P−1)/P·8n. Each size is timed call by call ({@code reps} calls after a warm-up, the same number
 * on every rank, decided by n alone so the ranks stay in step).
 *
 * <pre>
 * java … org.sparsetrain.training.spark.RingBenchmark [master=local[2]] [tasks=2] [min=8] [max=23]
 * </pre>
 */
public final class RingBenchmark {
  private RingBenchmark() {}

  public static void main(String[] args) {
    String master = arg(args, "master", "local[2]");
    int tasks = Integer.parseInt(arg(args, "tasks", "2"));
    int min = Integer.parseInt(arg(args, "min", "8"));
    int max = Integer.parseInt(arg(args, "max", "23"));
    SparkSession spark = SparkSession.builder().master(master).appName("ring-benchmark")
        .config("spark.ui.enabled", "false").getOrCreate();
    try {
      JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      List<Integer> ids = new ArrayList<>();
      for (int i = 0; i < tasks; i++) {
        ids.add(i);
      }
      JavaRDD<Integer> rdd = sc.parallelize(ids, tasks);
      Object[] lines = (Object[]) rdd.rdd().barrier()
          .mapPartitions(new Timing(BarrierRing.newToken(), min, max), false, ClassTag$.MODULE$.apply(String.class))
          .collect();
      report(master, tasks, lines);
    } finally {
      spark.stop();
    }
  }

  /** Calls of one size: enough that the small sizes take ~0.2 s, at least 9. */
  static int reps(int n) {
    return Math.max(9, Math.min(2000, (1 << 24) / n));
  }

  /** Lines "rank kind n reps medianNanos" from the tasks, one table and the fit. */
  private static void report(String master, int p, Object[] lines) {
    // per size: the median of each rank; a call ends on all ranks together, the table shows rank 0's
    // median and the slowest rank's
    java.util.TreeMap<Integer, double[]> reduce = new java.util.TreeMap<>();
    java.util.TreeMap<Integer, Integer> repsOf = new java.util.TreeMap<>();
    double[] gather = new double[p];
    for (Object o : lines) {
      for (String line : ((String) o).split("\n")) {
        String[] f = line.trim().split(" ");
        int rank = Integer.parseInt(f[0]);
        int n = Integer.parseInt(f[2]);
        double median = Double.parseDouble(f[4]);
        if (f[1].equals("allreduce")) {
          reduce.computeIfAbsent(n, k -> new double[p])[rank] = median;
          repsOf.put(n, Integer.parseInt(f[3]));
        } else {
          gather[rank] = median;
        }
      }
    }
    double share = 2.0 * (p - 1) / p;
    // least squares t = α + s·bytes on rank 0's medians
    int m = reduce.size();
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (var e : reduce.entrySet()) {
      double x = share * 8.0 * e.getKey();
      double y = e.getValue()[0];
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    double slope = (m * sxy - sx * sy) / (m * sxx - sx * sx);
    double alpha = (sy - slope * sx) / m;
    // the same fit on relative residuals (weights 1/t²): the plain one is ruled by the largest sizes and
    // its α can come out negative; this one gives every size the same say
    double w = 0, wx = 0, wy = 0, wxx = 0, wxy = 0;
    for (var e : reduce.entrySet()) {
      double x = share * 8.0 * e.getKey();
      double y = e.getValue()[0];
      double k = 1 / (y * y);
      w += k;
      wx += k * x;
      wy += k * y;
      wxx += k * x * x;
      wxy += k * x * y;
    }
    double relSlope = (w * wxy - wx * wy) / (w * wxx - wx * wx);
    double relAlpha = (wy - relSlope * wx) / w;
    System.out.printf(Locale.ROOT, "%n%s, %d tasks in one barrier stage, BarrierRing over TCP%n%n", master, p);
    System.out.println("| longs n | bytes sent per task | calls | median µs (rank 0) | slowest rank's median µs | GB/s sent | α + bytes/β µs (relative fit) |");
    System.out.println("|---:|---:|---:|---:|---:|---:|---:|");
    for (var e : reduce.entrySet()) {
      int n = e.getKey();
      double bytes = share * 8.0 * n;
      double r0 = e.getValue()[0];
      double slowest = Arrays.stream(e.getValue()).max().orElse(r0);
      System.out.printf(Locale.ROOT, "| 2^%d | %,.0f | %d | %,.1f | %,.1f | %.2f | %,.1f |%n",
          Integer.numberOfTrailingZeros(n), bytes, repsOf.get(n), r0 / 1e3, slowest / 1e3, bytes / r0,
          (relAlpha + relSlope * bytes) / 1e3);
    }
    System.out.printf(Locale.ROOT, "%nallgather(long[4]): median %.1f µs (rank 0), %.1f µs (slowest rank)%n",
        gather[0] / 1e3, Arrays.stream(gather).max().orElse(gather[0]) / 1e3);
    System.out.printf(Locale.ROOT, "fit t = α + bytes/β (least squares on rank 0's medians, bytes = 2·(P−1)/P·8n):"
        + " α = %.1f µs, β = %.3f GB/s%n", alpha / 1e3, 1 / slope);
    System.out.printf(Locale.ROOT, "fit on relative residuals (weights 1/t², the table's model column):"
        + " α = %.1f µs, β = %.3f GB/s%n", relAlpha / 1e3, 1 / relSlope);
  }

  /** One task: joins the ring, times every size, returns its lines. */
  static final class Timing extends scala.runtime.AbstractFunction1<scala.collection.Iterator<Integer>,
      scala.collection.Iterator<String>> implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final byte[] token;
    private final int min;
    private final int max;

    Timing(byte[] token, int min, int max) {
      this.token = token;
      this.min = min;
      this.max = max;
    }

    @Override
    public scala.collection.Iterator<String> apply(scala.collection.Iterator<Integer> it) {
      BarrierTaskContext ctx = BarrierTaskContext.get();
      StringBuilder out = new StringBuilder();
      try (BarrierRing ring = BarrierRing.open(ctx, token, 60_000)) {
        int rank = ring.rank();
        int p = ring.size();
        // the sums are exact: check one before timing anything
        long[] check = new long[1000];
        for (int i = 0; i < check.length; i++) {
          check[i] = (long) i * (rank + 1);
        }
        ring.allreduce(check);
        long factor = (long) p * (p + 1) / 2;
        for (int i = 0; i < check.length; i++) {
          if (check[i] != i * factor) {
            throw new IllegalStateException("allreduce gave " + check[i] + " at " + i + ", expected " + i * factor);
          }
        }
        long[] warm = new long[1 << min];
        for (int i = 0; i < 5000; i++) { // JIT warm-up of the whole path
          ring.allreduce(warm);
        }
        for (int e = min; e <= max; e++) {
          int n = 1 << e;
          long[] a = new long[n];
          Arrays.fill(a, rank + 1);
          int reps = reps(n);
          for (int i = 0; i < Math.max(2, reps / 10); i++) {
            ring.allreduce(a);
          }
          long[] t = new long[reps];
          for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            ring.allreduce(a);
            t[i] = System.nanoTime() - t0;
          }
          out.append(rank).append(" allreduce ").append(n).append(' ').append(reps).append(' ')
              .append(median(t)).append('\n');
        }
        long[] small = {rank, 1, 2, 3};
        int reps = 5000;
        for (int i = 0; i < 500; i++) {
          ring.allgather(small);
        }
        long[] t = new long[reps];
        for (int i = 0; i < reps; i++) {
          long t0 = System.nanoTime();
          ring.allgather(small);
          t[i] = System.nanoTime() - t0;
        }
        out.append(rank).append(" allgather 4 ").append(reps).append(' ').append(median(t)).append('\n');
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return JavaConverters.asScalaIterator(Collections.singletonList(out.toString()).iterator());
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

  static double median(long[] t) {
    long[] s = t.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
  }
}
