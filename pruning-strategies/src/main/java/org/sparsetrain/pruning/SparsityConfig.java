package org.sparsetrain.pruning;

import java.io.Serializable;

/**
 * The {@code sparsity.*} keys of a job config, validated. Step-valued keys may be left at -1 to take
 * their defaults from the run length: {@code t_end} = 75 % of the steps.
 *
 * @param method {@code dense}, {@code static}, {@code set}, …
 * @param target global sparsity s ∈ [0,1)
 * @param distribution {@code erk}, {@code er}, {@code uniform}
 * @param erkPowerScale exponent of the ERK score (1 = RigL)
 * @param denseFirstLayer with {@code uniform}: keep the first layer dense
 * @param updateEvery ΔT
 * @param dropFraction α₀
 * @param dropSchedule {@code cosine}, {@code constant}, {@code exponential}
 * @param tBegin first step after which masks may change
 * @param tEnd last step at which masks may change (-1: 75 % of training)
 */
public record SparsityConfig(String method, double target, String distribution, double erkPowerScale,
                             boolean denseFirstLayer, long updateEvery, double dropFraction, String dropSchedule,
                             long tBegin, long tEnd) implements Serializable {
  public static SparsityConfig defaults() {
    return new SparsityConfig("set", 0.9, "erk", 1.0, false, 100, 0.3, "cosine", 0, -1);
  }

  /** t_end resolved against the run length. */
  public long resolvedTEnd(long totalSteps) {
    return tEnd >= 0 ? tEnd : Math.round(0.75 * totalSteps);
  }
}
