package org.sparsetrain.pruning.growth;

import org.sparsetrain.pruning.criteria.GrowthCriterion;
import org.sparsetrain.pruning.criteria.Selection;
import org.sparsetrain.pruning.criteria.TopK;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.optim.OptimizerState;
import org.sparsetrain.training.sparsity.GrowthInput;
import org.sparsetrain.training.sparsity.MaskUpdateContext;

/**
 * SNFS's growth (Dettmers &amp; Zettlemoyer 2019): the n positions with the largest |momentum|.
 *
 * <p>The momentum is the optimizer's state slot 0 (SGD's momentum buffer, Adam's first moment),
 * which exists only for stored weights: our optimizer state is O(nnz). A just-dropped connection is
 * scored by its slot 0. An inactive position has no history here — exactly as in sparselearning,
 * whose {@code apply_mask} zeroes the momentum of masked weights after every step — so its momentum
 * is what one optimizer step from zero state puts into slot 0 for this step's dense gradient
 * ({@code g} for SGD, {@code (1−β₁)·g} for Adam). With plain SGD (no slot) the momentum is the
 * gradient itself (an EMA with μ = 0): dropped connections are scored by the sparse gradient and the
 * criterion ranks like {@link GradientGrowth}.
 */
public final class MomentumGrowth implements GrowthCriterion {
  @Override public String name() { return "momentum"; }
  @Override public GrowthInput input() { return GrowthInput.DENSE_GRADIENT; }
  @Override public boolean readsOptimizerState() { return true; }

  @Override
  public long[] grow(MaskUpdateContext ctx, long t, int l, int[] dropped, int n) {
    Layer layer = ctx.network().layer(l);
    OptimizerState opt = ctx.optimizer();
    boolean hasSlot = opt != null && opt.slots() > 0;
    float[] m = hasSlot ? opt.weightSlot(l, 0) : ctx.gradient();
    int off = hasSlot ? 0 : ctx.layout().weightOffset(l);
    double scale = hasSlot ? oneStepScale(opt) : 1.0;
    TopK top = new TopK(n);
    long[] dropPos = Selection.positionsOf(layer, dropped);
    for (int i = 0; i < dropped.length; i++) {
      top.offer(Math.abs(m[off + dropped[i]]), dropPos[i]);
    }
    ctx.inactiveGradient(l, (pos, grad, count) -> {
      for (int i = 0; i < count; i++) {
        top.offer(Math.abs(scale * grad[i]), pos[i]);
      }
    });
    if (top.size() < n) {
      throw new IllegalStateException("layer " + l + ": only " + top.size() + " candidates to grow " + n);
    }
    return top.positions();
  }

  /** Slot 0 after one optimizer step from zero state with gradient 1 (linear in the gradient). */
  public static double oneStepScale(OptimizerState opt) {
    float[] p = {0f};
    float[][] state = new float[opt.slots()][1];
    opt.optimizer().update(p, state, new float[] {1f}, 0, 1, 0f, Math.max(1, opt.step()), false);
    return state[0][0];
  }

  /** Mean |momentum| of a layer's stored weights (SNFS's redistribution score). */
  public static double meanMagnitude(MaskUpdateContext ctx, int l) {
    OptimizerState opt = ctx.optimizer();
    int nnz = ctx.network().layer(l).nnz();
    if (nnz == 0) {
      return 0;
    }
    boolean hasSlot = opt != null && opt.slots() > 0;
    float[] m = hasSlot ? opt.weightSlot(l, 0) : ctx.gradient();
    int off = hasSlot ? 0 : ctx.layout().weightOffset(l);
    double s = 0;
    for (int i = 0; i < nnz; i++) {
      s += Math.abs(m[off + i]);
    }
    return s / nnz;
  }
}
