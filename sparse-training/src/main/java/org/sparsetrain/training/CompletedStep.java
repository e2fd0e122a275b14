package org.sparsetrain.training;

/**
 * A run at a consistent point after a step (optimizer and mask update applied, the epoch evaluated
 * if one ended): what {@link TrainingListener#afterStep} checkpoints. Valid only during that call.
 * Where the engine holds the whole model on the driver, {@link #state()} gives it; an engine whose
 * tasks own the model gives its own subtype that knows how its owners write it.
 */
public interface CompletedStep {
  /** Steps completed. */
  long step();

  long totalSteps();

  /** The whole training state on the driver, or null where the engine's tasks own the model. */
  TrainingState state();
}
