package org.sparsetrain.training;

/** Receives progress from a trainer (console lines, metrics.jsonl, checkpoints). All defaults do nothing. */
public interface TrainingListener {
  /** After every step. */
  default void onStep(StepReport report) {}

  /** After a mask update. */
  default void onMaskUpdate(MaskUpdateReport report) {}

  /** After each epoch's evaluation. */
  default void onEpoch(EpochReport report) {}

  /**
   * After step {@code state.step()} is complete (optimizer and mask update applied) and, at an
   * epoch's end, after {@link #onEpoch}: the point where a checkpoint of {@code state} is
   * consistent. The state must not be modified.
   */
  default void afterStep(TrainingState state) {}

  /**
   * The same point as {@link #afterStep} in a run whose model lives on the executors
   * (sharded): {@link ShardedStep#commit} checkpoints it.
   */
  default void afterShardedStep(ShardedStep step) {}

  /**
   * The run lost executors at step {@code lostAt} and continues from step {@code restoredStep}
   * (restored from a checkpoint): the steps after it are reported again.
   */
  default void onRecovery(long lostAt, long restoredStep) {}

  TrainingListener NONE = new TrainingListener() {};

  /** One listener that calls each of {@code listeners} in order. */
  static TrainingListener all(TrainingListener... listeners) {
    TrainingListener[] ls = listeners.clone();
    return new TrainingListener() {
      @Override public void onStep(StepReport r) { for (TrainingListener l : ls) { l.onStep(r); } }
      @Override public void onMaskUpdate(MaskUpdateReport r) { for (TrainingListener l : ls) { l.onMaskUpdate(r); } }
      @Override public void onEpoch(EpochReport r) { for (TrainingListener l : ls) { l.onEpoch(r); } }
      @Override public void afterStep(TrainingState s) { for (TrainingListener l : ls) { l.afterStep(s); } }
      @Override public void afterShardedStep(ShardedStep s) { for (TrainingListener l : ls) { l.afterShardedStep(s); } }
      @Override public void onRecovery(long lostAt, long restored) { for (TrainingListener l : ls) { l.onRecovery(lostAt, restored); } }
    };
  }
}
