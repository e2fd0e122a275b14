package org.sparsetrain.training.spark.sharded;

import java.io.IOException;
import org.sparsetrain.training.CompletedStep;
import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.checkpoint.CheckpointMeta;
import org.sparsetrain.training.checkpoint.CheckpointStore;

/**
 * A completed step of a run whose values and optimizer state live on the executors
 * ({@code distribution.mode: sharded}): the driver has no {@link TrainingState}, and a checkpoint
 * is written by the shards' owners. Valid only during the listener call that receives it.
 */
public interface ShardedStep extends CompletedStep {
  /** None: the shards' owners hold the model. */
  @Override
  default TrainingState state() {
    return null;
  }

  /**
   * Writes this step as a checkpoint of {@code store}: each shard's owner task writes its shard
   * file in parallel, then the driver writes the manifest last and applies the store's retention.
   */
  CheckpointStore.CommitResult commit(CheckpointStore store, CheckpointMeta meta) throws IOException;
}
