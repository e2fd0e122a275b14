package org.sparsetrain.bench.data;

import java.util.Arrays;
import java.util.Locale;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.sparsetrain.data.BlockPacker;
import org.sparsetrain.data.SyntheticTeacher;

/**
 * Packs synthetic teacher rows into cached blocks generated on the executors and compares the
 * cached memory that Spark reports with the raw size of the features, {@code 4 bytes × features ×
 * rows}. Nothing but per-block counts comes back to the driver.
 *
 * <p>Arguments (all optional): rows (10 000 000), features (100), partitions (40), classes (10),
 * master ({@code local[2]}).
 */
public final class PackBenchmark {
  private PackBenchmark() {}

  public static void main(String[] args) throws Exception {
    long rows = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000L;
    int features = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int partitions = args.length > 2 ? Integer.parseInt(args[2]) : 40;
    int classes = args.length > 3 ? Integer.parseInt(args[3]) : 10;
    String master = args.length > 4 ? args[4] : "local[2]";
    SparkSession spark = SparkSession.builder().master(master).appName("sparsetrain-pack-benchmark")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.memory.fraction", "0.8")
        .getOrCreate();
    try {
      JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      SyntheticTeacher teacher = new SyntheticTeacher(features, classes, 2026L);
      long t0 = System.nanoTime();
      BlockPacker.Packed packed = BlockPacker.synthetic(sc, teacher, rows, partitions);
      double seconds = (System.nanoTime() - t0) / 1e9;
      long cached = packed.cachedBytes(60_000);
      long[] hist = packed.blocks().map(b -> {
        long[] h = new long[classes];
        for (int y : b.labels()) {
          h[y]++;
        }
        return h;
      }).reduce((a, b) -> {
        long[] s = a.clone();
        for (int i = 0; i < s.length; i++) {
          s[i] += b[i];
        }
        return s;
      });
      double raw = 4.0 * features * rows;
      System.out.printf(Locale.ROOT, "rows=%d features=%d partitions=%d master=%s%n", packed.rows(), packed.features(),
          packed.partitions(), master);
      System.out.printf(Locale.ROOT, "generate+pack+cache: %.1f s (%.0f rows/s)%n", seconds, rows / seconds);
      System.out.printf(Locale.ROOT, "cached in memory (getRDDStorageInfo): %d bytes = %.3f GiB%n", cached, cached / (double) (1L << 30));
      System.out.printf(Locale.ROOT, "4 B x features x rows:                %.0f bytes = %.3f GiB%n", raw, raw / (1L << 30));
      System.out.printf(Locale.ROOT, "ratio cached / raw features: %.4f (labels alone add %.4f)%n", cached / raw, 4.0 * rows / raw);
      System.out.printf(Locale.ROOT, "packer estimate: %d bytes; labels per class: %s%n", packed.estimatedBytes(), Arrays.toString(hist));
      if (cached < 0) {
        System.out.println("NOT ALL PARTITIONS CACHED: give the driver more memory (-Xmx)");
        System.exit(2);
      }
      packed.unpersist();
    } finally {
      spark.stop();
    }
  }
}
