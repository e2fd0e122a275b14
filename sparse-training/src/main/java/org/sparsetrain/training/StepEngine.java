package org.sparsetrain.training;

import java.util.List;
import org.sparsetrain.training.nn.BatchStats;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * A way to run training steps — one JVM, one Spark job per step or per local-SGD round, shards
 * owned by tasks — driven by the {@link TrainingLoop}, which alone owns epochs, evaluation
 * cadence, reports, listeners and results. Every engine finishes a step by the {@link StepRule}.
 */
public interface StepEngine extends AutoCloseable {
  /** Steps completed. */
  long step();

  long totalSteps();

  /** Steps of one epoch (the global batches that cover the training rows once). */
  long stepsPerEpoch();

  /**
   * Runs the steps from {@link #step()} + 1 on: one step, or a round of them that ends as one
   * (a local-SGD round, a barrier stretch), and reports each in order. A round may run past an
   * epoch's end; the loop evaluates that epoch after it.
   */
  List<StepOutcome> next();

  /** Loss and accuracy on the held-out data, with the model as of {@link #step()}. */
  BatchStats evaluate();

  /** The sparsity method the run follows (its schedule gives the target densities the loop reports). */
  SparsityMethod method();

  /** Actual density of every weight layer now. */
  double[] densities();

  /**
   * The run at its current consistent point, for checkpoints; {@code epochStats} (the epoch's
   * training statistics so far) goes with it, for an engine that can {@link #restore} to it.
   */
  CompletedStep completed(BatchStats epochStats);

  /**
   * Whether the run can go on after {@code failure} (e.g. an executor lost with shards Spark cannot
   * recompute), by {@link #restore}; may throw its own error instead (recoveries exhausted). Spark's
   * checked exceptions arrive here undeclared. By default nothing is recoverable.
   */
  default boolean recoverable(Exception failure) {
    return false;
  }

  /** Goes back to the last consistent point it can restore after a recoverable {@code failure}. */
  default Restored restore(Exception failure) {
    throw new UnsupportedOperationException("this engine recovers from nothing", failure);
  }

  /** Where a recovery went back to: the step, and the epoch's training statistics up to it. */
  record Restored(long lostAt, long step, BatchStats epochStats) {}

  /** The trained model on the driver at the end, or null where it stays with the tasks. */
  Network model();

  /** Frees what the engine created (broadcasts, cached data); never stops a Spark context it did not start. */
  @Override
  default void close() {}
}
