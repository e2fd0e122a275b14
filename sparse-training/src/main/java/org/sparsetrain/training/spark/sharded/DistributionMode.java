package org.sparsetrain.training.spark.sharded;

import java.util.Locale;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.optim.Optimizer;
import org.sparsetrain.training.spark.DriverMemory;
import org.sparsetrain.training.sparsity.SparsityMethod;

/** {@code distribution.mode}: where the model's values and optimizer state live. */
public enum DistributionMode {
  /** The driver holds values and optimizer state ({@link org.sparsetrain.training.spark.SparkTrainer}). */
  DRIVER,
  /** Values and optimizer state are cut into shards on the executors ({@link ShardedSparkTrainer}). */
  SHARDED,
  /** {@link #choose} decides. */
  AUTO;

  /**
   * The driver mode is chosen while its {@link DriverMemory} estimate is below this fraction of the
   * driver's max heap (the estimate counts every buffer of a step; the rest is headroom for GC).
   */
  public static final double DRIVER_FRACTION = 0.75;

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
   * Driver while the driver mode's estimated need {@code driverNeed} ({@link DriverMemory#total})
   * is below {@link #DRIVER_FRACTION} of {@code driverMaxHeap}, sharded otherwise.
   */
  public static Choice choose(long driverNeed, long driverMaxHeap) {
    if (driverNeed < 0 || driverMaxHeap <= 0) {
      throw new IllegalArgumentException("the driver need must be >= 0 and the driver heap > 0");
    }
    double share = driverNeed / (double) driverMaxHeap;
    String sizes = String.format(Locale.ROOT, "the driver mode needs about %s, %.1f %% of the driver's max heap %s",
        human(driverNeed), 100 * share, human(driverMaxHeap));
    if (share < DRIVER_FRACTION) {
      return new Choice(DRIVER, sizes + " (< " + (int) (100 * DRIVER_FRACTION) + " %): the driver holds the model");
    }
    return new Choice(SHARDED, sizes + " (>= " + (int) (100 * DRIVER_FRACTION)
        + " %): values and optimizer state are sharded over the executors");
  }

  /** {@link #choose} for the network {@code spec} builds, with this JVM's {@code Runtime.maxMemory()}. */
  public static Choice choose(ModelSpec spec, SparsityMethod method, Optimizer optimizer, int localSteps, int tasks) {
    return choose(DriverMemory.of(spec, method, optimizer, localSteps, tasks, false).total(),
        Runtime.getRuntime().maxMemory());
  }

  static String human(long b) {
    return DriverMemory.human(b);
  }
}
