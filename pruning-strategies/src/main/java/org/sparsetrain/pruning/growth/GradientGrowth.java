package org.sparsetrain.pruning.growth;

import org.sparsetrain.pruning.criteria.GrowthCriterion;
import org.sparsetrain.pruning.criteria.MagnitudeTopK;
import org.sparsetrain.pruning.criteria.Selection;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.sparsity.GrowthInput;
import org.sparsetrain.training.sparsity.MaskUpdateContext;

/**
 * RigL's growth (Evci et al. 2020): the n positions with the largest |∂L/∂w| of this step's global
 * batch among those inactive after the drop, exact top-k, equal scores by the lower position
 * ({@link MagnitudeTopK}: the trainer streams positions in ascending order). An
 * inactive position is scored by the dense gradient the trainer streams; a connection dropped in
 * this update is a candidate too and is scored by its entry of the sparse gradient.
 */
public final class GradientGrowth implements GrowthCriterion {
  @Override public String name() { return "gradient"; }
  @Override public GrowthInput input() { return GrowthInput.DENSE_GRADIENT; }
  @Override public boolean readsOnlyLargest() { return true; }

  @Override
  public long[] grow(MaskUpdateContext ctx, long t, int l, int[] dropped, int n) {
    Layer layer = ctx.network().layer(l);
    float[] g = ctx.gradient();
    int off = ctx.layout().weightOffset(l);
    MagnitudeTopK top = new MagnitudeTopK(n);
    ctx.inactiveGradient(l, top::offer);
    float[] dropScore = new float[dropped.length];
    for (int i = 0; i < dropped.length; i++) {
      dropScore[i] = g[off + dropped[i]];
    }
    if (top.candidates() + dropped.length < n) {
      throw new IllegalStateException("layer " + l + ": only " + (top.candidates() + dropped.length)
          + " candidates to grow " + n);
    }
    return top.positionsWith(Selection.positionsOf(layer, dropped), dropScore);
  }
}
