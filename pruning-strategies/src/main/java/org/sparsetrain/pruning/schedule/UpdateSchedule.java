package org.sparsetrain.pruning.schedule;

import java.io.Serializable;

/**
 * When masks change: at step t iff {@code t_begin < t ≤ t_end} and {@code (t − t_begin)} is a
 * multiple of ΔT. Stateless in t, so a resumed run updates at the same steps.
 */
public record UpdateSchedule(long every, long tBegin, long tEnd) implements Serializable {
  public UpdateSchedule {
    if (every <= 0) {
      throw new IllegalArgumentException("sparsity.update_every must be > 0, got " + every);
    }
    if (tBegin < 0) {
      throw new IllegalArgumentException("sparsity.t_begin must be >= 0, got " + tBegin);
    }
    if (tEnd < tBegin) {
      throw new IllegalArgumentException("sparsity.t_end (" + tEnd + ") precedes sparsity.t_begin (" + tBegin + ")");
    }
  }

  public boolean updatesAt(long t) {
    return t > tBegin && t <= tEnd && (t - tBegin) % every == 0;
  }
}
