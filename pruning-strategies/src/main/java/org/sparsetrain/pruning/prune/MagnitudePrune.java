package org.sparsetrain.pruning.prune;

import org.sparsetrain.pruning.criteria.PruneCriterion;
import org.sparsetrain.pruning.criteria.Selection;
import org.sparsetrain.training.nn.Network;

/** Per-layer magnitude pruning: the {@code counts[l]} smallest |w| of each layer, ties by the lower index. */
public final class MagnitudePrune implements PruneCriterion {
  @Override public String name() { return "magnitude"; }

  @Override
  public int[][] select(Network net, int[] counts, boolean[] eligible, long seed, long t) {
    int[][] out = new int[net.layerCount()][];
    for (int l = 0; l < out.length; l++) {
      out[l] = Selection.smallest(net.layer(l).values(), counts[l]);
    }
    return out;
  }
}
