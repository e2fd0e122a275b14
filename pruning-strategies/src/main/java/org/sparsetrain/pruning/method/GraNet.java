package org.sparsetrain.pruning.method;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.sparsetrain.pruning.SparsityConfig;
import org.sparsetrain.pruning.SparsityConfig.Key;
import org.sparsetrain.pruning.SparsityMethods;
import org.sparsetrain.pruning.criteria.GrowInit;
import org.sparsetrain.pruning.criteria.GrowthCriterion;
import org.sparsetrain.pruning.criteria.PruneCriterion;
import org.sparsetrain.pruning.criteria.Selection;
import org.sparsetrain.pruning.schedule.CosineDecay;
import org.sparsetrain.pruning.schedule.UpdateSchedule;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.sparsity.GrowthInput;
import org.sparsetrain.training.sparsity.MaskDecision;
import org.sparsetrain.training.sparsity.MaskUpdateContext;
import org.sparsetrain.training.sparsity.Requirement;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * GraNet (Liu et al. 2021): gradual pruning with the cubic schedule (global magnitude by default)
 * plus zero-cost neuroregeneration. At every update step, after the optimizer update, the network
 * is first pruned to the schedule's target; then each sparse layer drops {@code ⌊r_t·nnz⌋} more
 * weights of smallest magnitude and regrows as many where |∂L/∂w| of the step's batch is largest
 * among the positions inactive after both drops (a weight just pruned may come back and keeps its
 * value). {@code r_t} anneals by a cosine from {@code regeneration_initial} (0.5) to
 * {@code regeneration_final} (0.005) over [t_begin, t_end]. Regeneration keeps every layer's count,
 * so counts follow the pruning schedule exactly.
 */
public record GraNet(GradualTargets targets, UpdateSchedule regeneration, CosineDecay rate, PruneCriterion prune,
                     GrowthCriterion growth, GrowInit growInit) implements SparsityMethod {
  /** r at t_begin. */
  public static final Key REGENERATION_INITIAL = new Key("regeneration_initial", 0.5, "GraNet: regeneration fraction r at t_begin");
  /** r at t_end. */
  public static final Key REGENERATION_FINAL = new Key("regeneration_final", 0.005, "GraNet: regeneration fraction r at t_end");
  /** GraNet's keys: gradual pruning's ({@link GradualTargets#KEYS}) and the regeneration rate's. */
  public static final List<Key> KEYS = keys();

  private static List<Key> keys() {
    List<Key> k = new ArrayList<>(GradualTargets.KEYS);
    k.add(REGENERATION_INITIAL);
    k.add(REGENERATION_FINAL);
    return List.copyOf(k);
  }

  /**
   * {@code sparsity.method: granet}: prune {@code global_magnitude}, growth {@code gradient} unless set;
   * regeneration at every {@code update_every} in [t_begin, t_end].
   */
  public static GraNet create(SparsityConfig c, long totalSteps) {
    double r0 = c.getDouble(REGENERATION_INITIAL.name());
    double r1 = c.getDouble(REGENERATION_FINAL.name());
    if (!(r0 >= 0 && r0 <= 1)) {
      throw new IllegalArgumentException("sparsity.regeneration_initial must be in [0,1], got " + r0);
    }
    if (!(r1 >= 0 && r1 <= 1)) {
      throw new IllegalArgumentException("sparsity.regeneration_final must be in [0,1], got " + r1);
    }
    return new GraNet(GradualTargets.of(c, totalSteps), SparsityMethods.schedule(c, totalSteps),
        new CosineDecay(r0, r1, c.tBegin(), c.resolvedTEnd(totalSteps)), SparsityMethods.prune(c, "global_magnitude"),
        SparsityMethods.growth(c, "gradient"), SparsityMethods.growInit(c));
  }

  @Override public String name() { return "granet"; }
  @Override public Set<Requirement> requirements() { return PruneAndGrow.requirements(growth, false); }
  @Override public double[] initialDensities(int[] sizes) { return targets.initial(sizes); }

  @Override
  public boolean updatesAt(long t) {
    return targets.prunesAt(t) || regeneration.updatesAt(t);
  }

  @Override
  public GrowthInput growthInput(long t) {
    return PruneAndGrow.input(growth, growInit);
  }

  @Override
  public double[] targetDensities(long t, int[] sizes) {
    return targets.reported(t, sizes, prune.global());
  }

  @Override
  public MaskDecision decide(long t, MaskUpdateContext ctx) {
    Network net = ctx.network();
    int layers = net.layerCount();
    int[][] drops = new int[layers][];
    if (targets.prunesAt(t) || t > targets.cubic().tf()) {
      boolean[] eligible = GradualTargets.prunable(net);
      drops = prune.select(net, targets.dropCounts(net, t, prune.global(), eligible), eligible, ctx.seed(), t);
    } else {
      for (int l = 0; l < layers; l++) {
        drops[l] = new int[0];
      }
    }
    int[] grow = new int[layers];
    if (regeneration.updatesAt(t)) {
      double r = rate.at(t);
      for (int l = 0; l < layers; l++) {
        Layer layer = net.layer(l);
        int remaining = layer.nnz() - drops[l].length;
        long total = (long) layer.inFeatures() * layer.outFeatures();
        if (!layer.isSparse() || remaining <= 0 || remaining >= total) {
          continue;
        }
        int n = (int) Math.floor(r * remaining);
        boolean[] pruned = new boolean[layer.nnz()];
        for (int k : drops[l]) {
          pruned[k] = true;
        }
        int[] extra = Selection.smallest(layer.values(), n, pruned);
        drops[l] = Selection.union(drops[l], extra);
        grow[l] = n;
      }
    }
    return PruneAndGrow.build(ctx, t, drops, grow, growth, growInit);
  }
}
