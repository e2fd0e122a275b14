package org.sparsetrain.pruning.method;

import org.sparsetrain.pruning.distribution.SparsityDistribution;
import org.sparsetrain.pruning.schedule.CubicSparsity;

/** Factories for the package-private building blocks of the methods. */
public final class Methods {
  private Methods() {}

  /** The per-layer gradual-pruning targets (see {@link GradualTargets}). */
  public static GradualTargets gradual(SparsityDistribution d, CubicSparsity cubic, long every) {
    return new GradualTargets(d, cubic, every);
  }
}
