package org.sparsetrain.pruning.method;

import java.util.Set;
import org.sparsetrain.pruning.SparsityConfig;
import org.sparsetrain.pruning.SparsityMethods;
import org.sparsetrain.pruning.criteria.GrowInit;
import org.sparsetrain.pruning.criteria.GrowthCriterion;
import org.sparsetrain.pruning.criteria.PruneCriterion;
import org.sparsetrain.pruning.distribution.SparsityDistribution;
import org.sparsetrain.pruning.growth.MomentumGrowth;
import org.sparsetrain.pruning.schedule.DropFraction;
import org.sparsetrain.pruning.schedule.UpdateSchedule;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.sparsity.GrowthInput;
import org.sparsetrain.training.sparsity.MaskDecision;
import org.sparsetrain.training.sparsity.MaskUpdateContext;
import org.sparsetrain.training.sparsity.Requirement;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * Sparse Networks From Scratch (Dettmers &amp; Zettlemoyer 2019): after the optimizer update, every ΔT
 * steps each sparse layer drops {@code ⌊nnz·α_t⌋} smallest-magnitude weights; the total dropped is
 * regrown, shared between layers in proportion to the mean |momentum| of each layer's stored
 * weights ({@code redistribution: momentum}; capped by each layer's free positions, overflow passed
 * on, integer shares by largest remainder, ties by the lower layer), and placed by |momentum|
 * ({@link MomentumGrowth}).
 *
 * <p>The momentum is the optimizer's slot 0. With plain SGD (no momentum, no slot) the momentum is
 * the step's gradient (an EMA with μ = 0): redistribution then follows the mean |gradient| and growth
 * ranks like RigL's.
 *
 * <p>The <em>total</em> non-zero count is exact; per-layer counts move with the redistribution, so
 * {@link #targetDensities} reports the initial distribution. With {@code redistribution: none}
 * every layer keeps its count.
 */
public record Snfs(SparsityDistribution distribution, double sparsity, UpdateSchedule schedule,
                   DropFraction dropFraction, PruneCriterion prune, GrowthCriterion growth, GrowInit growInit,
                   boolean redistribute) implements SparsityMethod {
  public Snfs {
    SparsityDistribution.checkSparsity(sparsity);
  }

  /**
   * {@code sparsity.method: snfs}: common keys only; prune {@code magnitude}, growth {@code momentum},
   * redistribution {@code momentum} unless set.
   */
  public static Snfs create(SparsityConfig c, long totalSteps) {
    return new Snfs(SparsityMethods.distribution(c), c.target(), SparsityMethods.schedule(c, totalSteps),
        SparsityMethods.dropFraction(c, totalSteps), SparsityMethods.prune(c, "magnitude"),
        SparsityMethods.growth(c, "momentum"), SparsityMethods.growInit(c), SparsityMethods.redistribution(c, "momentum"));
  }

  @Override public String name() { return "snfs"; }
  @Override public double[] initialDensities(int[] sizes) { return distribution.densities(sizes, sparsity); }
  @Override public boolean updatesAt(long t) { return schedule.updatesAt(t); }
  @Override public GrowthInput growthInput(long t) { return PruneAndGrow.input(growth, growInit); }

  /** Momentum growth and redistribution read the optimizer state, so the engine must hold it where masks are decided. */
  @Override public Set<Requirement> requirements() { return PruneAndGrow.requirements(growth, redistribute); }

  @Override
  public MaskDecision decide(long t, MaskUpdateContext ctx) {
    return PruneAndGrow.decide(ctx, t, dropFraction.at(t), prune, growth, growInit,
        redistribute ? Snfs::momentumShares : null);
  }

  /** Regrowth per layer: Σ drops shared by mean |momentum|, capped by free positions. */
  static int[] momentumShares(MaskUpdateContext ctx, boolean[] eligible, int[][] drops) {
    Network net = ctx.network();
    int layers = net.layerCount();
    double[] score = new double[layers];
    long[] cap = new long[layers];
    long budget = 0;
    double sum = 0;
    for (int l = 0; l < layers; l++) {
      Layer layer = net.layer(l);
      budget += drops[l].length;
      cap[l] = (long) layer.inFeatures() * layer.outFeatures() - layer.nnz() + drops[l].length;
      if (eligible[l]) {
        score[l] = MomentumGrowth.meanMagnitude(ctx, l);
        sum += score[l];
      }
    }
    int[] grow = new int[layers];
    if (!(sum > 0) || Double.isInfinite(sum)) {
      for (int l = 0; l < layers; l++) {
        grow[l] = drops[l].length;
      }
      return grow;
    }
    return share(score, cap, eligible, budget);
  }

  /**
   * Splits {@code budget} in proportion to {@code score} over the eligible layers, none above its
   * cap: capped layers take their cap and the rest is shared again; integer shares by largest
   * remainder, ties to the lower layer.
   */
  static int[] share(double[] score, long[] cap, boolean[] eligible, long budget) {
    int layers = score.length;
    boolean[] fixed = new boolean[layers];
    long[] grow = new long[layers];
    long left = budget;
    while (true) {
      double sum = 0;
      for (int l = 0; l < layers; l++) {
        if (eligible[l] && !fixed[l]) {
          sum += score[l];
        }
      }
      boolean capped = false;
      for (int l = 0; l < layers; l++) {
        if (eligible[l] && !fixed[l] && sum > 0 && left * score[l] / sum >= cap[l]) {
          fixed[l] = true;
          grow[l] = cap[l];
          left -= cap[l];
          capped = true;
        }
      }
      if (capped) {
        continue;
      }
      double[] exact = new double[layers];
      long given = 0;
      for (int l = 0; l < layers; l++) {
        if (eligible[l] && !fixed[l] && sum > 0) {
          exact[l] = left * score[l] / sum;
          grow[l] = (long) Math.floor(exact[l]);
          given += grow[l];
        }
      }
      long rest = left - given;
      while (rest > 0) {
        int best = -1;
        double bestFrac = -1;
        for (int l = 0; l < layers; l++) {
          if (eligible[l] && !fixed[l] && grow[l] < cap[l]) {
            double frac = exact[l] - Math.floor(exact[l]);
            if (frac > bestFrac) {
              bestFrac = frac;
              best = l;
            }
          }
        }
        if (best < 0) {
          throw new IllegalStateException("no layer has room for " + rest + " more connections");
        }
        grow[best]++;
        exact[best] = Math.floor(exact[best]);   // one extra unit per layer per round
        rest--;
      }
      int[] out = new int[layers];
      for (int l = 0; l < layers; l++) {
        out[l] = (int) grow[l];
      }
      return out;
    }
  }
}
