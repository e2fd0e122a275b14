package org.sparsetrain.pruning.prune;

import java.util.SplittableRandom;
import org.sparsetrain.pruning.criteria.PruneCriterion;
import org.sparsetrain.pruning.criteria.Selection;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.util.Rng;

/** Random pruning: {@code counts[l]} stored weights of each layer uniformly at random, keyed by (seed, step, layer). */
public final class RandomPrune implements PruneCriterion {
  private static final long PURPOSE = 0x7072756EL; // "prun"

  @Override public String name() { return "random"; }

  @Override
  public int[][] select(Network net, int[] counts, boolean[] eligible, long seed, long t) {
    int[][] out = new int[net.layerCount()][];
    for (int l = 0; l < out.length; l++) {
      SplittableRandom r = Rng.of(seed, t, l, PURPOSE);
      long[] d = Selection.distinct(r, net.layer(l).nnz(), counts[l]);
      out[l] = new int[d.length];
      for (int i = 0; i < d.length; i++) {
        out[l][i] = (int) d[i];
      }
    }
    return out;
  }
}
