package org.sparsetrain.training.spark.sharded;

import org.apache.spark.SparkException;
import org.apache.spark.SparkThrowable;

/**
 * Recognises a step that failed because executors were lost with shards Spark cannot recompute:
 * blocks of a {@code localCheckpoint} that lived on a dead executor
 * ({@code CHECKPOINT_RDD_BLOCK_ID_NOT_FOUND}), or a job aborted after its tasks went down with
 * their executors ({@code ExecutorLostFailure}). Anything else (a bug, a diverged run, a bad
 * file) is not a lost executor and is not retried.
 */
final class LostShards {
  static final String CHECKPOINT_BLOCK_NOT_FOUND = "CHECKPOINT_RDD_BLOCK_ID_NOT_FOUND";

  private LostShards() {}

  /** Whether {@code e} or one of its causes says that executors (and the shards on them) were lost. */
  static boolean in(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof SparkThrowable st && CHECKPOINT_BLOCK_NOT_FOUND.equals(st.getCondition())) {
        return true;
      }
      // the driver's copy of a task's exception may carry its condition only in the message
      String m = c.getMessage();
      if (c instanceof SparkException && m != null
          && (m.contains("[" + CHECKPOINT_BLOCK_NOT_FOUND + "]") || m.contains("ExecutorLostFailure"))) {
        return true;
      }
    }
    return false;
  }
}
