package org.sparsetrain.pruning.method;

import java.util.Set;
import org.sparsetrain.pruning.SparsityConfig;
import org.sparsetrain.pruning.SparsityMethods;
import org.sparsetrain.pruning.criteria.GrowInit;
import org.sparsetrain.pruning.criteria.GrowthCriterion;
import org.sparsetrain.pruning.criteria.PruneCriterion;
import org.sparsetrain.pruning.distribution.SparsityDistribution;
import org.sparsetrain.pruning.schedule.DropFraction;
import org.sparsetrain.pruning.schedule.UpdateSchedule;
import org.sparsetrain.training.sparsity.GrowthInput;
import org.sparsetrain.training.sparsity.MaskDecision;
import org.sparsetrain.training.sparsity.MaskUpdateContext;
import org.sparsetrain.training.sparsity.Requirement;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * Sparse Evolutionary Training (Mocanu et al. 2018) with RigL's schedule: every ΔT steps each sparse
 * layer drops {@code n = ⌊nnz·α_t⌋} weights (smallest magnitude by default; SET's separate
 * positive/negative thresholds with {@code prune: signed_magnitude}) and grows n positions among
 * those inactive after the drop (uniformly random by default); the optimizer update comes first.
 * Every layer's non-zero count is unchanged.
 */
public record SetMethod(SparsityDistribution distribution, double sparsity, UpdateSchedule schedule,
                        DropFraction dropFraction, PruneCriterion prune, GrowthCriterion growth, GrowInit growInit)
    implements SparsityMethod {
  public SetMethod {
    SparsityDistribution.checkSparsity(sparsity);
  }

  /** {@code sparsity.method: set}: common keys only; prune {@code magnitude}, growth {@code random} unless set. */
  public static SetMethod create(SparsityConfig c, long totalSteps) {
    return new SetMethod(SparsityMethods.distribution(c), c.target(), SparsityMethods.schedule(c, totalSteps),
        SparsityMethods.dropFraction(c, totalSteps), SparsityMethods.prune(c, "magnitude"), SparsityMethods.growth(c, "random"),
        SparsityMethods.growInit(c));
  }

  @Override public String name() { return "set"; }
  @Override public double[] initialDensities(int[] sizes) { return distribution.densities(sizes, sparsity); }
  @Override public boolean updatesAt(long t) { return schedule.updatesAt(t); }
  @Override public GrowthInput growthInput(long t) { return PruneAndGrow.input(growth, growInit); }
  @Override public Set<Requirement> requirements() { return PruneAndGrow.requirements(growth, false); }

  @Override
  public MaskDecision decide(long t, MaskUpdateContext ctx) {
    return PruneAndGrow.decide(ctx, t, dropFraction.at(t), prune, growth, growInit, null);
  }
}
