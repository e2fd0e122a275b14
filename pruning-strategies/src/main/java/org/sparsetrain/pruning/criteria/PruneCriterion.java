package org.sparsetrain.pruning.criteria;

import java.io.Serializable;
import org.sparsetrain.training.nn.Network;

/**
 * Which stored weights a mask update removes. The method decides how many ({@code counts[l]} per
 * layer); a per-layer criterion removes exactly that many from each layer, a {@link #global()}
 * criterion removes {@code Σ counts} over the eligible layers wherever its score is lowest. Ties
 * break by the lower index (layer first, then stored index), so every run drops the same weights.
 * Stateless; randomness keyed by {@code (seed, step, layer)}.
 *
 * <p>New ones go into {@code org.sparsetrain.pruning.prune}, found like growth criteria.
 */
public interface PruneCriterion extends Serializable {
  /** The name a config uses ({@code sparsity.prune}). */
  String name();

  /** Whether the criterion ranks all eligible layers together. */
  default boolean global() {
    return false;
  }

  /**
   * Stored-weight indices to drop per layer (ascending; empty array for a layer left alone).
   *
   * @param counts how many to drop from each layer (global criteria use only the sum over eligible layers)
   * @param eligible layers the criterion may touch
   */
  int[][] select(Network net, int[] counts, boolean[] eligible, long seed, long t);
}
