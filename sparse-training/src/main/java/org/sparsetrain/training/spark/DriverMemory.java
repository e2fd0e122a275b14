package org.sparsetrain.training.spark;

import java.util.Locale;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.optim.Optimizer;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * The driver heap a {@link SparkTrainer} run needs at the peak of a step, estimated from the
 * model's shape before any work (P = stored weights + biases, S = CSR indices of the sparse layers):
 * <ul>
 *   <li>{@code model}: values and biases 4·P, optimizer slots 4·P each, the structure 4·S;</li>
 *   <li>{@code broadcasts}: the step's values copy and the structure copy, each once as objects and
 *   once serialised in the block manager (2·4·P + 2·4·S; with local SGD the optimizer slots too,
 *   which also covers the replica, 4·P + 2·4·S, the driver builds for a mask-update step it
 *   computes itself once the round's broadcasts are gone);</li>
 *   <li>{@code gradients}: the fixed-point sum 8·P and the float gradient 4·P, plus
 *   {@link #RESULT_BYTES} per parameter for each task result in flight (up to the driver's 4
 *   result-getter threads: the fetched bytes, their contiguous copy and the deserialised sums);
 *   local SGD: every partition's values and slots collected at once, and their double sums;</li>
 *   <li>{@code executors}: when the master is local the executors share the driver's JVM: a model
 *   replica (4·P + 2·4·S with the transposed index) and per running task a fixed-point sum and its
 *   serialised result (16·P); the training data is not counted;</li>
 *   <li>{@code spark}: {@link #SPARK_BASE}, the heap an idle driver keeps.</li>
 * </ul>
 * {@link org.sparsetrain.training.spark.sharded.DistributionMode#choose} uses the same estimate.
 */
public record DriverMemory(long model, long broadcasts, long gradients, long executors, long spark) {
  /** Heap of a driver with a running SparkContext and no model (measured: about 60–90 MiB after GC). */
  public static final long SPARK_BASE = 96L << 20;
  /**
   * Driver heap per parameter for one task result in flight (the fetched bytes, their contiguous
   * copy, the deserialised sums, and room for G1 to place these large arrays): calibrated on a
   * 10 M-parameter Adam model with 2 executors, which runs out of heap with a 1000 MiB driver and
   * trains with 1100 MiB; 32 B puts the estimate at 1129 MiB.
   */
  public static final long RESULT_BYTES = 32;
  /** Task results the driver fetches and deserialises at once ({@code spark.resultGetter.threads}' default). */
  private static final int RESULT_THREADS = 4;

  /** The whole estimate. */
  public long total() {
    return model + broadcasts + gradients + executors + spark;
  }

  /**
   * The estimate for a network of these per-layer stored weights.
   *
   * @param stored stored weights per layer (non-zeros of a sparse layer, in·out of a dense one)
   * @param sparse whether each layer keeps a CSR structure
   * @param slots optimizer slots per parameter (SGD with momentum 1, Adam 2)
   * @param localSteps K of local SGD (1 = synchronous steps)
   * @param tasks the run's data partitions (tasks per step)
   * @param executorsInDriver whether the executors run in the driver's JVM (a local master)
   */
  public static DriverMemory of(int[] sizes, long[] stored, boolean[] sparse, int slots, int localSteps, int tasks,
                                boolean executorsInDriver) {
    long p = 0;
    long s = 0;
    for (int l = 0; l < stored.length; l++) {
      p += stored[l] + sizes[l + 1];
      s += sparse[l] ? stored[l] + sizes[l + 1] + 1 : 0;
    }
    int cores = Math.max(1, tasks);
    long model = 4 * p * (1 + slots) + 4 * s;
    long broadcasts;
    long gradients;
    if (localSteps > 1) {
      broadcasts = 2 * 4 * p * (1 + slots) + 2 * 4 * s;
      gradients = cores * 2 * 4 * p * (1 + slots) + 8 * p * (1 + slots);
    } else {
      broadcasts = 2 * 4 * p + 2 * 4 * s;
      gradients = 8 * p + 4 * p + Math.min(cores, RESULT_THREADS) * RESULT_BYTES * p;
    }
    long executors = executorsInDriver ? 4 * p + 2 * 4 * s + cores * 16 * p : 0;
    return new DriverMemory(model, broadcasts, gradients, executors, SPARK_BASE);
  }

  /** The estimate for the network {@code spec} builds for {@code method}, from its initial densities. */
  public static DriverMemory of(ModelSpec spec, SparsityMethod method, Optimizer optimizer, int localSteps, int tasks,
                                boolean executorsInDriver) {
    int[] sizes = spec.sizes();
    double[] d = method.initialDensities(sizes);
    long[] stored = new long[sizes.length - 1];
    boolean[] sparse = new boolean[stored.length];
    for (int l = 0; l < stored.length; l++) {
      long dense = (long) sizes[l] * sizes[l + 1];
      sparse[l] = !method.dense();
      stored[l] = sparse[l] ? (long) Math.ceil(d[l] * dense) : dense;
    }
    return of(sizes, stored, sparse, optimizer.slots(), localSteps, tasks, executorsInDriver);
  }

  /** The estimate for an existing network. */
  public static DriverMemory of(Network net, int slots, int localSteps, int tasks, boolean executorsInDriver) {
    long[] stored = new long[net.layerCount()];
    boolean[] sparse = new boolean[stored.length];
    for (int l = 0; l < stored.length; l++) {
      Layer layer = net.layer(l);
      stored[l] = layer.values().length;
      sparse[l] = layer.isSparse();
    }
    return of(net.sizes(), stored, sparse, slots, localSteps, tasks, executorsInDriver);
  }

  /** Throws a {@link DriverMemoryException} naming the need, the heap and the fix when the estimate exceeds {@code maxHeap}. */
  public void check(long maxHeap) {
    if (total() > maxHeap) {
      throw new DriverMemoryException(String.format(Locale.ROOT,
          "distribution.mode=driver needs about %s of driver heap (model and optimizer state %s, step broadcasts %s,"
              + " gradient sums %s%s, Spark %s) but the driver's max heap is %s: %s",
          human(total()), human(model), human(broadcasts), human(gradients),
          executors > 0 ? ", executors in the driver JVM " + human(executors) : "", human(spark), human(maxHeap), FIX));
    }
  }

  /** The message for an {@link OutOfMemoryError} of the driver JVM, whatever the mode. */
  public static String outOfMemory(long maxHeap) {
    return "the driver JVM ran out of heap (max heap " + human(maxHeap) + "): give the driver more memory"
        + " (spark.driver.memory / --driver-memory, SPARSETRAIN_DRIVER_MEMORY); with distribution.mode=driver,"
        + " sharded (or auto) keeps values and optimizer state on the executors";
  }

  private static final String FIX = "set distribution.mode: sharded (or auto) to keep values and optimizer state on the"
      + " executors, or give the driver more memory (spark.driver.memory / --driver-memory, SPARSETRAIN_DRIVER_MEMORY)";

  /** Bytes as B, KiB, MiB or GiB with one or two decimals. */
  public static String human(long b) {
    if (b >= 1L << 30) {
      return String.format(Locale.ROOT, "%.2f GiB", b / (double) (1L << 30));
    }
    if (b >= 1L << 20) {
      return String.format(Locale.ROOT, "%.1f MiB", b / (double) (1L << 20));
    }
    return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
  }
}
