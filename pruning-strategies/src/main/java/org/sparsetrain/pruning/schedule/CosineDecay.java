package org.sparsetrain.pruning.schedule;

import java.io.Serializable;

/**
 * A value annealed by a half cosine from {@code initial} at t_begin to {@code last} at t_end (and
 * kept there): GraNet's regeneration fraction r_t, 0.5 → 0.005 by default.
 */
public record CosineDecay(double initial, double last, long tBegin, long tEnd) implements Serializable {
  public CosineDecay {
    if (!(initial >= 0 && initial <= 1) || !(last >= 0 && last <= 1)) {
      throw new IllegalArgumentException("sparsity.regeneration_initial/final must be in [0,1], got " + initial + ", " + last);
    }
    if (tEnd < tBegin) {
      throw new IllegalArgumentException("sparsity.t_end (" + tEnd + ") precedes sparsity.t_begin (" + tBegin + ")");
    }
  }

  public double at(long t) {
    double p = tEnd == tBegin ? 1 : Math.min(1, Math.max(0, (double) (t - tBegin) / (tEnd - tBegin)));
    return last + (initial - last) * 0.5 * (1 + Math.cos(Math.PI * p));
  }
}
