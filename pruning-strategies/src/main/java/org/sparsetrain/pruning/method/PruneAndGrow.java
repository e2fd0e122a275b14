package org.sparsetrain.pruning.method;

import java.util.Set;
import org.sparsetrain.pruning.criteria.GrowInit;
import org.sparsetrain.pruning.criteria.GrowthCriterion;
import org.sparsetrain.pruning.criteria.PruneCriterion;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.sparsity.GrowthInput;
import org.sparsetrain.training.sparsity.LayerChange;
import org.sparsetrain.training.sparsity.MaskDecision;
import org.sparsetrain.training.sparsity.MaskUpdateContext;
import org.sparsetrain.training.sparsity.Requirement;

/**
 * The drop-and-grow step shared by SET, RigL, SNFS and GraNet's regeneration: every sparse layer
 * (density &lt; 1) drops {@code ⌊nnz·α⌋} weights chosen by the prune criterion and grows as many
 * (or its share of the total under a redistribution) chosen by the growth criterion among the
 * positions inactive after the drop. Without redistribution each layer's non-zero count is
 * unchanged; with it, the total is.
 */
final class PruneAndGrow {
  private PruneAndGrow() {}

  /** Layers a dynamic-sparse method may change: sparse storage with room to move. */
  static boolean[] sparseLayers(Network net) {
    boolean[] e = new boolean[net.layerCount()];
    for (int l = 0; l < e.length; l++) {
      Layer layer = net.layer(l);
      e[l] = layer.isSparse() && layer.nnz() > 0 && layer.density() < 1.0;
    }
    return e;
  }

  /** Per-layer drop counts ⌊nnz·α⌋ on the eligible layers. */
  static int[] counts(Network net, boolean[] eligible, double alpha) {
    int[] c = new int[net.layerCount()];
    for (int l = 0; l < c.length; l++) {
      c[l] = eligible[l] ? (int) Math.floor(net.layer(l).nnz() * alpha) : 0;
    }
    return c;
  }

  /** What the trainer must supply for this combination of criteria. */
  static GrowthInput input(GrowthCriterion growth, GrowInit init) {
    return growth.input() == GrowthInput.DENSE_GRADIENT || init.needsDenseGradient()
        ? GrowthInput.DENSE_GRADIENT : growth.input();
  }

  /** What an engine must give a drop-and-grow method: the optimizer state where a criterion reads it. */
  static Set<Requirement> requirements(GrowthCriterion growth, boolean redistribution) {
    return growth.readsOptimizerState() || redistribution ? Set.of(Requirement.OPTIMIZER_STATE_ON_DRIVER) : Set.of();
  }

  /**
   * Drops by {@code prune}, grows by {@code growth}: {@code growCounts} null means each layer grows
   * back what it dropped; otherwise a function of the drops decides each layer's regrowth.
   */
  static MaskDecision decide(MaskUpdateContext ctx, long t, double alpha, PruneCriterion prune, GrowthCriterion growth,
                             GrowInit init, Redistribution redistribution) {
    Network net = ctx.network();
    boolean[] eligible = sparseLayers(net);
    int[] counts = counts(net, eligible, alpha);
    int[][] drops = prune.select(net, counts, eligible, ctx.seed(), t);
    int[] grow = new int[drops.length];
    for (int l = 0; l < grow.length; l++) {
      grow[l] = drops[l].length;
    }
    if (redistribution != null) {
      grow = redistribution.allocate(ctx, eligible, drops);
    }
    return build(ctx, t, drops, grow, growth, init);
  }

  /** The decision for given drops and regrowth counts. */
  static MaskDecision build(MaskUpdateContext ctx, long t, int[][] drops, int[] grow, GrowthCriterion growth, GrowInit init) {
    LayerChange[] changes = new LayerChange[drops.length];
    for (int l = 0; l < changes.length; l++) {
      if (drops[l].length == 0 && grow[l] == 0) {
        continue;
      }
      long[] pos = growth.grow(ctx, t, l, drops[l], grow[l]);
      changes[l] = new LayerChange(drops[l], pos, init.values(ctx, t, l, pos));
    }
    return new MaskDecision(changes);
  }

  /** How the total regrowth is shared between layers. */
  interface Redistribution {
    int[] allocate(MaskUpdateContext ctx, boolean[] eligible, int[][] drops);
  }
}
