package org.sparsetrain.training;

/** Receives progress from a trainer (console lines, metrics.jsonl, checkpoints). All defaults do nothing. */
public interface TrainingListener {
  /** After every step. */
  default void onStep(StepReport report) {}

  /** After a mask update. */
  default void onMaskUpdate(MaskUpdateReport report) {}

  /** After each epoch's evaluation. */
  default void onEpoch(EpochReport report) {}

  TrainingListener NONE = new TrainingListener() {};
}
