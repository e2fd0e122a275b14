package org.sparsetrain.training;

import java.io.IOException;
import org.sparsetrain.training.checkpoint.CheckpointMeta;
import org.sparsetrain.training.checkpoint.CheckpointStore;

/**
 * A completed step of a run whose values and optimizer state live on the executors
 * ({@code distribution.mode: sharded}), where the driver has no {@link TrainingState} to hand to
 * {@link TrainingListener#afterStep}. Valid only during the listener call that receives it.
 */
public interface ShardedStep {
  /** Steps completed. */
  long step();

  long totalSteps();

  /**
   * Writes this step as a checkpoint of {@code store}: each shard's owner task writes its shard
   * file in parallel, then the driver writes the manifest last and applies the store's retention.
   */
  CheckpointStore.CommitResult commit(CheckpointStore store, CheckpointMeta meta) throws IOException;
}
