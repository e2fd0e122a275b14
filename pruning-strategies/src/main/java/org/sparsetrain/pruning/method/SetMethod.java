package org.sparsetrain.pruning.method;

import org.sparsetrain.pruning.criteria.MagnitudePrune;
import org.sparsetrain.pruning.criteria.RandomGrowth;
import org.sparsetrain.pruning.distribution.SparsityDistribution;
import org.sparsetrain.pruning.schedule.DropFraction;
import org.sparsetrain.pruning.schedule.UpdateSchedule;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.sparsity.LayerChange;
import org.sparsetrain.training.sparsity.MaskDecision;
import org.sparsetrain.training.sparsity.MaskUpdateContext;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * Sparse Evolutionary Training (Mocanu et al. 2018) with RigL's schedule: every ΔT steps each layer
 * drops {@code n = ⌊nnz·α_t⌋} weights of smallest magnitude and grows n uniformly random positions
 * among those inactive after the drop; the optimizer update comes first. The non-zero count of
 * every layer never changes.
 */
public record SetMethod(SparsityDistribution distribution, double sparsity, UpdateSchedule schedule,
                        DropFraction dropFraction) implements SparsityMethod {
  public SetMethod {
    SparsityDistribution.checkSparsity(sparsity);
  }

  @Override public String name() { return "set"; }

  @Override
  public double[] initialDensities(int[] sizes) {
    return distribution.densities(sizes, sparsity);
  }

  @Override
  public boolean updatesAt(long t) {
    return schedule.updatesAt(t);
  }

  @Override
  public MaskDecision decide(long t, MaskUpdateContext ctx) {
    int layers = ctx.network().layerCount();
    LayerChange[] changes = new LayerChange[layers];
    double alpha = dropFraction.at(t);
    for (int l = 0; l < layers; l++) {
      Layer layer = ctx.network().layer(l);
      int n = (int) Math.floor(layer.nnz() * alpha);
      if (n == 0 || layer.density() >= 1.0) {
        continue;
      }
      int[] drop = MagnitudePrune.smallest(layer.values(), n);
      long[] grow = RandomGrowth.choose(layer, drop, n, ctx.seed(), t, l);
      changes[l] = new LayerChange(drop, grow);
    }
    return new MaskDecision(changes);
  }
}
