package org.sparsetrain.pruning.method;

import org.sparsetrain.pruning.SparsityConfig;
import org.sparsetrain.pruning.SparsityMethods;
import org.sparsetrain.pruning.distribution.SparsityDistribution;
import org.sparsetrain.training.sparsity.MaskDecision;
import org.sparsetrain.training.sparsity.MaskUpdateContext;
import org.sparsetrain.training.sparsity.SparsityMethod;

/** Static sparse training: a random mask at the distribution's densities, fixed for the whole run. */
public record StaticSparse(SparsityDistribution distribution, double sparsity) implements SparsityMethod {
  public StaticSparse {
    SparsityDistribution.checkSparsity(sparsity);
  }

  /** {@code sparsity.method: static}: the common keys target and distribution only. */
  public static StaticSparse create(SparsityConfig c, long totalSteps) {
    return new StaticSparse(SparsityMethods.distribution(c), c.target());
  }

  @Override public String name() { return "static"; }
  @Override public boolean updatesAt(long t) { return false; }

  @Override
  public double[] initialDensities(int[] sizes) {
    return distribution.densities(sizes, sparsity);
  }

  @Override
  public MaskDecision decide(long t, MaskUpdateContext ctx) {
    return MaskDecision.none(ctx.network().layerCount());
  }
}
