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
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.sparsity.GrowthInput;
import org.sparsetrain.training.sparsity.MaskDecision;
import org.sparsetrain.training.sparsity.MaskUpdateContext;
import org.sparsetrain.training.sparsity.Requirement;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * Rigged Lottery (Evci et al. 2020): every ΔT steps each sparse layer drops its
 * {@code ⌊nnz·α_t⌋} smallest-magnitude weights and grows as many where |∂L/∂w| of the step's global
 * batch is largest among the positions inactive after the drop (exact top-k, equal scores by the
 * lower position; a just-dropped connection competes with its sparse-gradient entry and, if
 * regrown, keeps its value). The optimizer update is skipped on an update step, as in RigL's
 * reference code. New connections start at 0 with zero optimizer state unless
 * {@code grow_init} says otherwise. Every layer's non-zero count is unchanged.
 */
public record RigL(SparsityDistribution distribution, double sparsity, UpdateSchedule schedule,
                   DropFraction dropFraction, PruneCriterion prune, GrowthCriterion growth, GrowInit growInit)
    implements SparsityMethod {
  public RigL {
    SparsityDistribution.checkSparsity(sparsity);
  }

  /** {@code sparsity.method: rigl}: common keys only; prune {@code magnitude}, growth {@code gradient} unless set. */
  public static RigL create(SparsityConfig c, long totalSteps) {
    return new RigL(SparsityMethods.distribution(c), c.target(), SparsityMethods.schedule(c, totalSteps),
        SparsityMethods.dropFraction(c, totalSteps), SparsityMethods.prune(c, "magnitude"), SparsityMethods.growth(c, "gradient"),
        SparsityMethods.growInit(c));
  }

  @Override public String name() { return "rigl"; }
  @Override public double[] initialDensities(int[] sizes) { return distribution.densities(sizes, sparsity); }
  @Override public boolean updatesAt(long t) { return schedule.updatesAt(t); }
  @Override public boolean skipsOptimizerOnUpdate() { return true; }
  @Override public GrowthInput growthInput(long t) { return PruneAndGrow.input(growth, growInit); }
  @Override public Set<Requirement> requirements() { return PruneAndGrow.requirements(growth, false); }

  /** Each layer grows what it drops, ⌊nnz·α_t⌋: a growth that reads only the largest |g| needs no more of them. */
  @Override
  public int[] largestInactiveGradients(long t, Network net) {
    return growth.readsOnlyLargest() && !growInit.needsDenseGradient()
        ? PruneAndGrow.counts(net, PruneAndGrow.sparseLayers(net), dropFraction.at(t)) : null;
  }

  @Override
  public MaskDecision decide(long t, MaskUpdateContext ctx) {
    return PruneAndGrow.decide(ctx, t, dropFraction.at(t), prune, growth, growInit, null);
  }
}
