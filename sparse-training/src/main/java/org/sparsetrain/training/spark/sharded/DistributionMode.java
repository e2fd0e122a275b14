package org.sparsetrain.training.spark.sharded;

import java.util.Locale;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.optim.Optimizer;
import org.sparsetrain.training.sparsity.SparsityMethod;

/** {@code distribution.mode}: where the model's values and optimizer state live. */
public enum DistributionMode {
  /** The driver holds values and optimizer state ({@link org.sparsetrain.training.spark.SparkTrainer}). */
  DRIVER,
  /** Values and optimizer state are cut into shards on the executors ({@link ShardedSparkTrainer}). */
  SHARDED,
  /** {@link #choose} decides. */
  AUTO;

  /** The driver mode is chosen while the model needs less than this fraction of the driver's max heap. */
  public static final double DRIVER_FRACTION = 0.25;

  /** The chosen mode and the reason, for the log and the run summary. */
  public record Choice(DistributionMode mode, String reason) {}

  public static DistributionMode parse(String s) {
    if (s == null) {
      throw new IllegalArgumentException("distribution.mode must be one of driver, sharded, auto");
    }
    switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "driver": return DRIVER;
      case "sharded": return SHARDED;
      case "auto": return AUTO;
      default:
        throw new IllegalArgumentException("distribution.mode must be one of driver, sharded, auto; got '" + s + "'");
    }
  }

  /**
   * Driver while {@code modelBytesWithOptimizerState} is below {@link #DRIVER_FRACTION} of
   * {@code driverMaxHeap} (the driver mode also holds a gradient, a broadcast copy and a
   * fixed-point sum of the same size, so a quarter of the heap is "comfortable"), sharded otherwise.
   */
  public static Choice choose(long modelBytesWithOptimizerState, long driverMaxHeap) {
    if (modelBytesWithOptimizerState < 0 || driverMaxHeap <= 0) {
      throw new IllegalArgumentException("model bytes must be >= 0 and the driver heap > 0");
    }
    double share = modelBytesWithOptimizerState / (double) driverMaxHeap;
    String sizes = String.format(Locale.ROOT, "model + optimizer state %s is %.1f %% of the driver's max heap %s",
        human(modelBytesWithOptimizerState), 100 * share, human(driverMaxHeap));
    if (share < DRIVER_FRACTION) {
      return new Choice(DRIVER, sizes + " (< " + (int) (100 * DRIVER_FRACTION) + " %): the driver holds the model");
    }
    return new Choice(SHARDED, sizes + " (>= " + (int) (100 * DRIVER_FRACTION)
        + " %): values and optimizer state are sharded over the executors");
  }

  /** {@link #choose} with this JVM's {@code Runtime.maxMemory()}. */
  public static Choice choose(long modelBytesWithOptimizerState) {
    return choose(modelBytesWithOptimizerState, Runtime.getRuntime().maxMemory());
  }

  /**
   * Bytes of values, biases and optimizer state of a model built by {@code spec} for {@code method}
   * (4 bytes per float, 1 + slots floats per parameter), from the initial densities, without
   * building it; the CSR column indices (4 bytes per non-zero) are included.
   */
  public static long modelBytes(ModelSpec spec, SparsityMethod method, Optimizer optimizer) {
    int[] sizes = spec.sizes();
    double[] d = method.initialDensities(sizes);
    long bytes = 0;
    for (int l = 0; l + 1 < sizes.length; l++) {
      long dense = (long) sizes[l] * sizes[l + 1];
      long nnz = method.dense() ? dense : (long) Math.ceil(d[l] * dense);
      bytes += 4L * (nnz + sizes[l + 1]) * (1 + optimizer.slots()) + (method.dense() ? 0 : 4L * (nnz + sizes[l + 1] + 1));
    }
    return bytes;
  }

  static String human(long b) {
    if (b >= 1L << 30) {
      return String.format(Locale.ROOT, "%.2f GiB", b / (double) (1L << 30));
    }
    if (b >= 1L << 20) {
      return String.format(Locale.ROOT, "%.1f MiB", b / (double) (1L << 20));
    }
    return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
  }
}
