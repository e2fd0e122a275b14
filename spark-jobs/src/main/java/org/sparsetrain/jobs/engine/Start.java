package org.sparsetrain.jobs.engine;

import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.spark.sharded.ShardedStart;

/**
 * Where a run starts: a state the driver holds (fresh or restored), or a sharded start (a fresh run
 * initialised on the shards' owners, or a sharded checkpoint the executors load).
 */
public sealed interface Start {
  /** Steps completed. */
  long step();

  /** The model and optimizer state on the driver. */
  record OnDriver(TrainingState state) implements Start {
    @Override public long step() { return state.step(); }
  }

  /**
   * A fresh sharded run (its shards initialised on their owners) or a sharded checkpoint, verified by
   * the shards' owners, which load it when training starts.
   */
  record Sharded(ShardedStart start) implements Start {
    @Override public long step() { return start.step(); }
  }
}
