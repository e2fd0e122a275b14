package org.sparsetrain.pruning.method;

import org.sparsetrain.pruning.criteria.PruneCriterion;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.sparsity.LayerChange;
import org.sparsetrain.training.sparsity.MaskDecision;
import org.sparsetrain.training.sparsity.MaskUpdateContext;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * Gradual pruning with Zhu &amp; Gupta's cubic schedule (see {@link GradualTargets}): from dense
 * (or s_i) to s_f between t₀ and t_f, pruning every ΔT steps, no regrowth. Registered twice:
 * {@code gmp} prunes by magnitude (per layer by default, {@code prune: global_magnitude} for one
 * global threshold); {@code random} is the random-pruning baseline of the same schedule, dropping
 * uniformly random weights. The non-zero count of a layer only ever falls, and only to the
 * schedule's target; {@link #targetDensities} reports the target of the last pruning step (with a
 * global criterion, the global density in every entry, since the split is data-dependent).
 */
public record GradualPruning(String name, GradualTargets targets, PruneCriterion prune) implements SparsityMethod {
  @Override public double[] initialDensities(int[] sizes) { return targets.initial(sizes); }
  @Override public boolean updatesAt(long t) { return targets.prunesAt(t); }

  @Override
  public double[] targetDensities(long t, int[] sizes) {
    return targets.reported(t, sizes, prune.global());
  }

  @Override
  public MaskDecision decide(long t, MaskUpdateContext ctx) {
    Network net = ctx.network();
    boolean[] eligible = GradualTargets.prunable(net);
    int[] counts = targets.dropCounts(net, t, prune.global(), eligible);
    int[][] drops = prune.select(net, counts, eligible, ctx.seed(), t);
    LayerChange[] changes = new LayerChange[drops.length];
    for (int l = 0; l < drops.length; l++) {
      if (drops[l].length > 0) {
        changes[l] = new LayerChange(drops[l], new long[0]);
      }
    }
    return new MaskDecision(changes);
  }
}
