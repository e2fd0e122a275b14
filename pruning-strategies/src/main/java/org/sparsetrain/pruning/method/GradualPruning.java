package org.sparsetrain.pruning.method;

import java.util.List;
import org.sparsetrain.pruning.SparsityConfig;
import org.sparsetrain.pruning.SparsityConfig.Key;
import org.sparsetrain.pruning.SparsityMethods;
import org.sparsetrain.pruning.criteria.PruneCriteria;
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
  /** The keys of {@code gmp} and {@code random}: the schedule's ({@link GradualTargets#KEYS}). */
  public static final List<Key> KEYS = GradualTargets.KEYS;

  /** {@code sparsity.method: gmp}: prune {@code magnitude} unless set. */
  public static GradualPruning gmp(SparsityConfig c, long totalSteps) {
    return new GradualPruning("gmp", GradualTargets.of(c, totalSteps), SparsityMethods.prune(c, "magnitude"));
  }

  /** {@code sparsity.method: random}: the same schedule, random pruning ({@code sparsity.prune} may only say so). */
  public static GradualPruning random(SparsityConfig c, long totalSteps) {
    if (!c.prune().isEmpty() && !c.prune().equals("random")) {
      throw new IllegalArgumentException("sparsity.method=random prunes at random; sparsity.prune=" + c.prune()
          + " contradicts it (use gmp)");
    }
    return new GradualPruning("random", GradualTargets.of(c, totalSteps), PruneCriteria.named("random"));
  }

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
