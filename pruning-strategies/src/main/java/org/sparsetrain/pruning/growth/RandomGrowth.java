package org.sparsetrain.pruning.growth;

import java.util.SplittableRandom;
import org.sparsetrain.pruning.criteria.GrowthCriterion;
import org.sparsetrain.pruning.criteria.Selection;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.sparsity.GrowthInput;
import org.sparsetrain.training.sparsity.MaskUpdateContext;
import org.sparsetrain.training.util.Rng;

/**
 * SET's growth: n positions uniformly at random among those inactive after the drop (a connection
 * just dropped is a candidate, as in RigL's code), drawn from a generator keyed by
 * (seed, step, layer), so every run and every retry draws the same.
 */
public final class RandomGrowth implements GrowthCriterion {
  private static final long PURPOSE = 0x67726F77L; // "grow"

  @Override public String name() { return "random"; }
  @Override public GrowthInput input() { return GrowthInput.NONE; }

  @Override
  public long[] grow(MaskUpdateContext ctx, long t, int l, int[] dropped, int n) {
    return choose(ctx.network().layer(l), dropped, n, ctx.seed(), t, l);
  }

  /** The draw itself, for callers without a context. */
  public static long[] choose(Layer layer, int[] dropped, int n, long seed, long t, int l) {
    if (n <= 0) {
      return new long[0];
    }
    long total = (long) layer.inFeatures() * layer.outFeatures();
    long candidates = total - layer.nnz() + dropped.length;
    if (n > candidates) {
      throw new IllegalArgumentException("cannot grow " + n + " in layer " + l + ": only " + candidates + " inactive positions");
    }
    SplittableRandom r = Rng.of(seed, t, l, PURPOSE);
    return ranksToPositions(layer, dropped, Selection.distinct(r, candidates, n));
  }

  /** Maps ranks among inactive-after-drop positions (ascending) to positions, walking the CSR once. */
  static long[] ranksToPositions(Layer layer, int[] dropped, long[] ranks) {
    int in = layer.inFeatures();
    int[] rp = layer.rowPtr();
    int[] ci = layer.colIdx();
    boolean[] isDropped = new boolean[ci.length];
    for (int k : dropped) {
      isDropped[k] = true;
    }
    long[] out = new long[ranks.length];
    int next = 0;
    long rank = 0;
    for (int row = 0; row + 1 < rp.length && next < ranks.length; row++) {
      int k = rp[row];
      int active = rp[row + 1] - rp[row];
      for (int q = rp[row]; q < rp[row + 1]; q++) {
        if (isDropped[q]) {
          active--;
        }
      }
      long inactiveInRow = in - active;
      if (rank + inactiveInRow <= ranks[next]) {
        rank += inactiveInRow;    // no chosen rank in this row: skip it whole
        continue;
      }
      for (int c = 0; c < in && next < ranks.length; c++) {
        boolean isActive = false;
        if (k < rp[row + 1] && ci[k] == c) {
          isActive = !isDropped[k];
          k++;
        }
        if (!isActive) {
          if (rank == ranks[next]) {
            out[next++] = (long) row * in + c;
          }
          rank++;
        }
      }
    }
    return out;
  }
}
