package org.sparsetrain.pruning.imp;

import java.util.Arrays;
import org.sparsetrain.training.sparsity.MaskDecision;
import org.sparsetrain.training.sparsity.MaskUpdateContext;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * IMP as the trainers see it within one phase: the mask is fixed (the pruning happens between
 * phases, in {@link ImpPlan#prune}), phase 0 starts dense, and the target density is the phase's.
 * A job that finds this method drives the phases with {@link ImpRunner}; a plain single run of it
 * is phase 0, dense training.
 */
public record ImpMethod(ImpPlan plan, int phase) implements SparsityMethod {
  public ImpMethod {
    if (phase < 0 || phase > plan.phases()) {
      throw new IllegalArgumentException("IMP phase " + phase + " outside [0, " + plan.phases() + "]");
    }
  }

  @Override public String name() { return "imp"; }
  @Override public boolean updatesAt(long t) { return false; }

  @Override
  public double[] initialDensities(int[] sizes) {
    double[] d = new double[sizes.length - 1];
    Arrays.fill(d, plan.density(phase));
    return d;
  }

  @Override
  public MaskDecision decide(long t, MaskUpdateContext ctx) {
    return MaskDecision.none(ctx.network().layerCount());
  }

  /** The method of the next phase. */
  public ImpMethod next() {
    return new ImpMethod(plan, phase + 1);
  }
}
