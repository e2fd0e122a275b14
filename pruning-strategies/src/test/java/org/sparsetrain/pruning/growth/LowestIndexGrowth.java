package org.sparsetrain.pruning.growth;

import org.sparsetrain.pruning.criteria.GrowthCriterion;
import org.sparsetrain.pruning.criteria.TopK;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.sparsity.GrowthInput;
import org.sparsetrain.training.sparsity.MaskUpdateContext;

/**
 * A growth criterion that exists only as this one test file: it grows the n lowest positions that
 * are inactive after the drop. The registry must find it by scanning, with no other change.
 */
public final class LowestIndexGrowth implements GrowthCriterion {
  @Override public String name() { return "lowest_index"; }
  @Override public GrowthInput input() { return GrowthInput.NONE; }

  @Override
  public long[] grow(MaskUpdateContext ctx, long t, int l, int[] dropped, int n) {
    Layer layer = ctx.network().layer(l);
    boolean[] isDropped = new boolean[layer.nnz()];
    for (int k : dropped) {
      isDropped[k] = true;
    }
    TopK top = new TopK(n);
    int[] rp = layer.rowPtr();
    int[] ci = layer.colIdx();
    for (int r = 0; r + 1 < rp.length; r++) {
      int k = rp[r];
      for (int c = 0; c < layer.inFeatures(); c++) {
        boolean active = false;
        if (k < rp[r + 1] && ci[k] == c) {
          active = !isDropped[k];
          k++;
        }
        if (!active) {
          top.offer(0, (long) r * layer.inFeatures() + c);   // equal scores: the lowest positions win
        }
      }
    }
    return top.positions();
  }
}
