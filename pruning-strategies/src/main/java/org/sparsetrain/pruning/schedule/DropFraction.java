package org.sparsetrain.pruning.schedule;

import java.io.Serializable;
import java.util.Locale;

/**
 * The fraction α_t of a layer's non-zeros that a mask update replaces (RigL): {@code constant} α₀;
 * {@code cosine} α₀·½(1+cos(π·min(t,T)/T)) with T = t_end; {@code exponential}
 * α₀·(1−(t−t_b)/(t_e−t_b))^k.
 */
public record DropFraction(String kind, double initial, long tBegin, long tEnd, double exponent) implements Serializable {
  public DropFraction {
    kind = kind.toLowerCase(Locale.ROOT);
    if (!kind.equals("constant") && !kind.equals("cosine") && !kind.equals("exponential")) {
      throw new IllegalArgumentException("sparsity.drop_schedule must be constant, cosine or exponential, got '" + kind + "'");
    }
    if (!(initial >= 0 && initial <= 1)) {
      throw new IllegalArgumentException("sparsity.drop_fraction must be in [0,1], got " + initial);
    }
    if (tEnd < tBegin) {
      throw new IllegalArgumentException("sparsity.t_end (" + tEnd + ") precedes sparsity.t_begin (" + tBegin + ")");
    }
  }

  /** α at step t. */
  public double at(long t) {
    switch (kind) {
      case "cosine":
        return initial * 0.5 * (1 + Math.cos(Math.PI * Math.min(t, tEnd) / Math.max(1, tEnd)));
      case "exponential": {
        double p = Math.min(1, Math.max(0, (double) (t - tBegin) / Math.max(1, tEnd - tBegin)));
        return initial * Math.pow(1 - p, exponent);
      }
      default:
        return initial;
    }
  }
}
