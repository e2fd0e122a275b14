package org.sparsetrain.training.spark;

import java.io.Serializable;

/**
 * How the {@link SparkTrainer} distributes a run. Validated on construction; {@link #DEFAULTS}
 * lists the defaults.
 *
 * @param runName name shown in Spark UI job groups/descriptions and log lines (default {@code sparsetrain})
 * @param localSteps K optimizer steps per Spark job, followed by averaging of values and optimizer
 *     state (local SGD); each step of a round, a partition holding R of the n rows trains on
 *     round(B·R/n) of its own rows. 1 (default) is synchronous data-parallel SGD. Rounds end
 *     early before mask-update steps, which always run synchronously, so masks are fixed inside a
 *     round and the average stays sparse. A round runs on past an epoch's end (not past a
 *     second one): that epoch is evaluated, and checkpointed, at the round's end.
 * @param virtualShards V, the number of fixed virtual shards of the global row ids (0 = auto:
 *     {@code clamp(batchSize / 32, 1, 256)}). The gradient of step t is the exact sum of V
 *     micro-batch gradients (the rows of the global batch in each shard), so the result does not
 *     depend on how many partitions or executors there are; the useful parallelism is at most V.
 * @param treeDepth depth of {@code treeAggregate} (default 2)
 * @param denseBlockFloats at most this many floats of a dense gradient row block per message when a
 *     growth criterion needs the dense gradient (default 2^20)
 * @param logEvery log a progress line every this many steps (0 = never; default 50)
 * @param failOnceAtStep test hook: at this step the task of partition 0 throws on its first attempt
 *     (0 = never)
 * @param driverHeapBytes the driver heap the pre-flight {@link DriverMemory#check} compares with (0 =
 *     this JVM's {@code Runtime.maxMemory()}, the default)
 * @param driverStepMacs with local SGD, the driver computes a mask-update step itself (from the
 *     batch's rows, which the round before it gathers; same micro-batches, same bits) when its
 *     forward/backward takes at most this many multiply-adds, about 3·B·parameters (default 2^30,
 *     under a second on one core; 0 = always a Spark job)
 * @param barrier {@code distribution.mode: barrier}: the synchronous steps between two mask updates
 *     run as one Spark barrier stage whose tasks allreduce their fixed-point gradient sums between
 *     them ({@link StretchTask}); the same model, bit for bit, without a Spark job per step
 * @param barrierTimeoutMillis how long a barrier task waits for a peer to connect or send (default 120 s)
 */
public record SparkTrainerOptions(String runName, int localSteps, int virtualShards, int treeDepth,
                                  int denseBlockFloats, int logEvery, long failOnceAtStep, long driverHeapBytes,
                                  long driverStepMacs, boolean barrier, int barrierTimeoutMillis)
    implements Serializable {
  public static final SparkTrainerOptions DEFAULTS =
      new SparkTrainerOptions("sparsetrain", 1, 0, 2, 1 << 20, 50, 0, 0, 1L << 30, false, 120_000);

  public SparkTrainerOptions {
    if (runName == null || runName.isBlank()) {
      throw new IllegalArgumentException("distribution.run_name must not be empty");
    }
    if (localSteps < 1) {
      throw new IllegalArgumentException("distribution.local_steps must be >= 1, got " + localSteps);
    }
    if (virtualShards < 0) {
      throw new IllegalArgumentException("distribution.virtual_shards must be >= 0 (0 = auto), got " + virtualShards);
    }
    if (treeDepth < 1) {
      throw new IllegalArgumentException("distribution.tree_depth must be >= 1, got " + treeDepth);
    }
    if (denseBlockFloats < 1) {
      throw new IllegalArgumentException("distribution.dense_block_floats must be >= 1, got " + denseBlockFloats);
    }
    if (logEvery < 0) {
      throw new IllegalArgumentException("distribution.log_every must be >= 0, got " + logEvery);
    }
    if (failOnceAtStep < 0) {
      throw new IllegalArgumentException("failOnceAtStep must be >= 0, got " + failOnceAtStep);
    }
    if (driverHeapBytes < 0) {
      throw new IllegalArgumentException("driverHeapBytes must be >= 0 (0 = the JVM's max heap), got " + driverHeapBytes);
    }
    if (barrierTimeoutMillis < 1) {
      throw new IllegalArgumentException("the barrier timeout must be >= 1 ms, got " + barrierTimeoutMillis);
    }
    if (barrier && localSteps > 1) {
      throw new IllegalArgumentException("distribution.mode=barrier runs exact synchronous steps: distribution.local_steps"
          + " must be 1, got " + localSteps + " (local SGD runs in distribution.mode=driver)");
    }
    if (driverStepMacs < 0) {
      throw new IllegalArgumentException("driverStepMacs must be >= 0 (0 = never on the driver), got " + driverStepMacs);
    }
  }

  /** The driver heap the pre-flight memory check uses: {@link #driverHeapBytes} or this JVM's max heap. */
  public long driverHeap() {
    return driverHeapBytes > 0 ? driverHeapBytes : Runtime.getRuntime().maxMemory();
  }

  /** V for a run with global batch size {@code batchSize}. */
  public int shardsFor(int batchSize) {
    return virtualShards > 0 ? virtualShards : Math.max(1, Math.min(256, batchSize / 32));
  }

  public SparkTrainerOptions withRunName(String v) {
    return new SparkTrainerOptions(v, localSteps, virtualShards, treeDepth, denseBlockFloats, logEvery, failOnceAtStep, driverHeapBytes, driverStepMacs, barrier, barrierTimeoutMillis);
  }

  public SparkTrainerOptions withLocalSteps(int v) {
    return new SparkTrainerOptions(runName, v, virtualShards, treeDepth, denseBlockFloats, logEvery, failOnceAtStep, driverHeapBytes, driverStepMacs, barrier, barrierTimeoutMillis);
  }

  public SparkTrainerOptions withVirtualShards(int v) {
    return new SparkTrainerOptions(runName, localSteps, v, treeDepth, denseBlockFloats, logEvery, failOnceAtStep, driverHeapBytes, driverStepMacs, barrier, barrierTimeoutMillis);
  }

  public SparkTrainerOptions withTreeDepth(int v) {
    return new SparkTrainerOptions(runName, localSteps, virtualShards, v, denseBlockFloats, logEvery, failOnceAtStep, driverHeapBytes, driverStepMacs, barrier, barrierTimeoutMillis);
  }

  public SparkTrainerOptions withDenseBlockFloats(int v) {
    return new SparkTrainerOptions(runName, localSteps, virtualShards, treeDepth, v, logEvery, failOnceAtStep, driverHeapBytes, driverStepMacs, barrier, barrierTimeoutMillis);
  }

  public SparkTrainerOptions withLogEvery(int v) {
    return new SparkTrainerOptions(runName, localSteps, virtualShards, treeDepth, denseBlockFloats, v, failOnceAtStep, driverHeapBytes, driverStepMacs, barrier, barrierTimeoutMillis);
  }

  public SparkTrainerOptions withFailOnceAtStep(long v) {
    return new SparkTrainerOptions(runName, localSteps, virtualShards, treeDepth, denseBlockFloats, logEvery, v, driverHeapBytes, driverStepMacs, barrier, barrierTimeoutMillis);
  }

  public SparkTrainerOptions withDriverHeapBytes(long v) {
    return new SparkTrainerOptions(runName, localSteps, virtualShards, treeDepth, denseBlockFloats, logEvery, failOnceAtStep, v, driverStepMacs, barrier, barrierTimeoutMillis);
  }

  public SparkTrainerOptions withDriverStepMacs(long v) {
    return new SparkTrainerOptions(runName, localSteps, virtualShards, treeDepth, denseBlockFloats, logEvery, failOnceAtStep,
        driverHeapBytes, v, barrier, barrierTimeoutMillis);
  }

  public SparkTrainerOptions withBarrier(boolean v) {
    return new SparkTrainerOptions(runName, localSteps, virtualShards, treeDepth, denseBlockFloats, logEvery, failOnceAtStep,
        driverHeapBytes, driverStepMacs, v, barrierTimeoutMillis);
  }

  public SparkTrainerOptions withBarrierTimeoutMillis(int v) {
    return new SparkTrainerOptions(runName, localSteps, virtualShards, treeDepth, denseBlockFloats, logEvery, failOnceAtStep,
        driverHeapBytes, driverStepMacs, barrier, v);
  }
}
