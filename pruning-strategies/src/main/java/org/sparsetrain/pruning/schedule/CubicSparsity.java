package org.sparsetrain.pruning.schedule;

import java.io.Serializable;

/**
 * Zhu &amp; Gupta's (2017) gradual sparsity: {@code s_t = s_f + (s_i − s_f)(1 − (t−t₀)/(t_f−t₀))³} for
 * {@code t₀ ≤ t ≤ t_f}, s_i before t₀ and s_f after t_f.
 *
 * @param initial s_i ∈ [0,1)
 * @param target s_f ∈ [s_i, 1)
 * @param t0 first step of pruning
 * @param tf step at which s_f is reached (≥ t₀)
 */
public record CubicSparsity(double initial, double target, long t0, long tf) implements Serializable {
  public CubicSparsity {
    if (!(initial >= 0 && initial < 1)) {
      throw new IllegalArgumentException("sparsity.initial_sparsity must be in [0,1), got " + initial);
    }
    if (!(target >= initial && target < 1)) {
      throw new IllegalArgumentException("sparsity.target (" + target + ") must be in [initial_sparsity=" + initial + ", 1)");
    }
    if (t0 < 0 || tf < t0) {
      throw new IllegalArgumentException("sparsity.prune_end (" + tf + ") precedes sparsity.prune_begin (" + t0 + ")");
    }
  }

  /** s_t. */
  public double at(long t) {
    if (t <= t0) {
      return tf == t0 && t == tf ? target : initial;
    }
    if (t >= tf) {
      return target;
    }
    double p = 1 - (double) (t - t0) / (tf - t0);
    return target + (initial - target) * p * p * p;
  }
}
