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
   * After step {@code step.step()} is complete (optimizer and mask update applied) and, at an
   * epoch's end, after {@link #onEpoch}: the point where a checkpoint of the run is consistent.
   * Nothing may be modified; {@code step} is valid only during this call.
   */
  default void afterStep(CompletedStep step) {}

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
      @Override public void afterStep(CompletedStep s) { for (TrainingListener l : ls) { l.afterStep(s); } }
      @Override public void onRecovery(long lostAt, long restored) { for (TrainingListener l : ls) { l.onRecovery(lostAt, restored); } }
    };
  }
}
