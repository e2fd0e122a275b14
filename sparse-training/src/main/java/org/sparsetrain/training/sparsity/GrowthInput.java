package org.sparsetrain.training.sparsity;

/** Scores a growth criterion needs from the trainer, so the distributed trainer gathers only those. */
public enum GrowthInput {
  /** Nothing beyond the values (SET's random growth, magnitude pruning). */
  NONE,
  /** The dense gradient of the inactive positions over the current global batch (RigL, GraNet). */
  DENSE_GRADIENT,
  /** The optimizer momentum (SNFS); the driver holds it. */
  MOMENTUM
}
