package org.sparsetrain.training.spark.sharded;

import java.io.Serializable;
import org.sparsetrain.training.spark.SparkTrainerOptions;

/**
 * How the {@link ShardedSparkTrainer} distributes a run.
 *
 * @param base run name, virtual shards V, dense-gradient block size, logging and the test hook, as
 *     in the driver mode (local SGD is not available in sharded mode: {@code localSteps} must be 1)
 * @param shards S, the number of shards each layer's rows are cut into (0 = the context's default
 *     parallelism); partition j of the shard RDD holds shard j of every layer
 * @param checkpointEvery checkpoint the shard RDD every this many steps (and right after it is
 *     created), which cuts its lineage (0 = never; lineage then grows by one step per step)
 * @param checkpointDir a reliable checkpoint directory ({@code hdfs://}, {@code s3a://}, {@code file://})
 *     set on the context if it has none; if neither is set, {@code localCheckpoint()} is used
 *     (bounded lineage, but Spark cannot recompute a lost executor's shards: the run restores them
 *     from its last checkpoint instead, see {@code maxRecoveries})
 * @param candidateFraction first guess of the fraction of a shard's weights sent as drop (and
 *     inactive positions as growth) candidates at a mask update; too few are detected and asked
 *     again, so this only affects traffic (default 0.35, above RigL's α₀ = 0.3)
 * @param collectModel collect the final model to the driver for the {@link org.sparsetrain.training.TrainResult}
 *     (default true; false for models the driver cannot hold: the result then has a null network)
 * @param maxRecoveries how many times one run may restore its shards after losing an executor's
 *     shards (from the last checkpoint it committed, else from where it started) before it fails
 *     (default 3; 0 = fail at the first loss)
 */
public record ShardedOptions(SparkTrainerOptions base, int shards, int checkpointEvery, String checkpointDir,
                             double candidateFraction, boolean collectModel, int maxRecoveries)
    implements Serializable {
  public static final ShardedOptions DEFAULTS = new ShardedOptions(SparkTrainerOptions.DEFAULTS, 0, 10, null, 0.35, true, 3);

  public ShardedOptions {
    if (base == null) {
      base = SparkTrainerOptions.DEFAULTS;
    }
    if (base.localSteps() != 1) {
      throw new IllegalArgumentException("distribution.local_steps must be 1 in distribution.mode=sharded (got "
          + base.localSteps() + "): local SGD needs a replica of the optimizer state in every partition");
    }
    if (shards < 0) {
      throw new IllegalArgumentException("distribution.shards must be >= 0 (0 = auto), got " + shards);
    }
    if (checkpointEvery < 0) {
      throw new IllegalArgumentException("distribution.checkpoint_every must be >= 0, got " + checkpointEvery);
    }
    if (!(candidateFraction > 0 && candidateFraction <= 1)) {
      throw new IllegalArgumentException("candidateFraction must be in (0, 1], got " + candidateFraction);
    }
    if (maxRecoveries < 0) {
      throw new IllegalArgumentException("distribution.max_recoveries must be >= 0, got " + maxRecoveries);
    }
  }

  public ShardedOptions withBase(SparkTrainerOptions v) {
    return new ShardedOptions(v, shards, checkpointEvery, checkpointDir, candidateFraction, collectModel, maxRecoveries);
  }

  public ShardedOptions withShards(int v) {
    return new ShardedOptions(base, v, checkpointEvery, checkpointDir, candidateFraction, collectModel, maxRecoveries);
  }

  public ShardedOptions withCheckpointEvery(int v) {
    return new ShardedOptions(base, shards, v, checkpointDir, candidateFraction, collectModel, maxRecoveries);
  }

  public ShardedOptions withCheckpointDir(String v) {
    return new ShardedOptions(base, shards, checkpointEvery, v, candidateFraction, collectModel, maxRecoveries);
  }

  public ShardedOptions withCandidateFraction(double v) {
    return new ShardedOptions(base, shards, checkpointEvery, checkpointDir, v, collectModel, maxRecoveries);
  }

  public ShardedOptions withCollectModel(boolean v) {
    return new ShardedOptions(base, shards, checkpointEvery, checkpointDir, candidateFraction, v, maxRecoveries);
  }

  public ShardedOptions withMaxRecoveries(int v) {
    return new ShardedOptions(base, shards, checkpointEvery, checkpointDir, candidateFraction, collectModel, v);
  }
}
