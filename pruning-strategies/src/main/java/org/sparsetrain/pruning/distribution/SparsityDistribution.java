package org.sparsetrain.pruning.distribution;

import java.io.Serializable;

/** How a global sparsity is spread over the weight layers of a network. */
public interface SparsityDistribution extends Serializable {
  /**
   * Per-layer densities for layer sizes {@code sizes} (input, hidden…, output) at global sparsity
   * {@code sparsity} ∈ [0,1): Σ density_l·N_l equals (1−s)·Σ N_l up to rounding.
   */
  double[] densities(int[] sizes, double sparsity);

  String name();

  /** Checks the global sparsity is in [0,1). */
  static void checkSparsity(double s) {
    if (!(s >= 0 && s < 1)) {
      throw new IllegalArgumentException("sparsity.target must be in [0,1), got " + s);
    }
  }
}
