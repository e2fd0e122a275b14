package org.sparsetrain.pruning.growth;

import org.sparsetrain.pruning.criteria.GrowthCriterion;
import org.sparsetrain.pruning.criteria.Selection;
import org.sparsetrain.pruning.criteria.TopK;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.sparsity.GrowthInput;
import org.sparsetrain.training.sparsity.MaskUpdateContext;

/**
 * RigL's growth (Evci et al. 2020): the n positions with the largest |∂L/∂w| of this step's global
 * batch among those inactive after the drop, exact top-k, equal scores by the lower position. An
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
    TopK top = new TopK(n);
    long[] dropPos = Selection.positionsOf(layer, dropped);
    for (int i = 0; i < dropped.length; i++) {
      top.offer(Math.abs(g[off + dropped[i]]), dropPos[i]);
    }
    ctx.inactiveGradient(l, (pos, grad, count) -> {
      for (int i = 0; i < count; i++) {
        top.offer(Math.abs(grad[i]), pos[i]);
      }
    });
    if (top.size() < n) {
      throw new IllegalStateException("layer " + l + ": only " + top.size() + " candidates to grow " + n);
    }
    return top.positions();
  }
}
