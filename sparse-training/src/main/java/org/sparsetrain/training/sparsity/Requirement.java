package org.sparsetrain.training.sparsity;

/**
 * Something a sparsity method needs from the step engine beyond values, masks and gradients, which
 * not every engine can give ({@link SparsityMethod#requirements()}). An engine that cannot meet a
 * requirement refuses the method before training, saying why, instead of asking for its name.
 */
public enum Requirement {
  /**
   * The decision reads the optimizer state ({@link MaskUpdateContext#optimizer()}), e.g. SNFS's
   * momentum growth and redistribution: the engine must hold it where the mask is decided.
   */
  OPTIMIZER_STATE_ON_DRIVER,
  /**
   * The gradient term and the decision need every weight of a group (N:M's M consecutive inputs)
   * at once, stored or not, where the mask is decided; candidates per shard are not enough.
   */
  WHOLE_GROUPS_ON_DRIVER
}
