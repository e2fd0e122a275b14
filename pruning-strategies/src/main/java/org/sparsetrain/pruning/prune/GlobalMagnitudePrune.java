package org.sparsetrain.pruning.prune;

import java.util.Arrays;
import org.sparsetrain.pruning.criteria.PruneCriterion;
import org.sparsetrain.training.nn.Network;

/**
 * Global magnitude pruning (IMP, GraNet): one threshold over all eligible layers; the
 * {@code Σ counts} smallest |w| are dropped wherever they are. Ties by (layer, index).
 */
public final class GlobalMagnitudePrune implements PruneCriterion {
  @Override public String name() { return "global_magnitude"; }
  @Override public boolean global() { return true; }

  @Override
  public int[][] select(Network net, int[] counts, boolean[] eligible, long seed, long t) {
    int layers = net.layerCount();
    long total = 0;
    long candidates = 0;
    for (int l = 0; l < layers; l++) {
      if (eligible[l]) {
        total += counts[l];
        candidates += net.layer(l).nnz();
      }
    }
    int[][] out = new int[layers][];
    if (total > candidates) {
      throw new IllegalArgumentException("cannot drop " + total + " of " + candidates + " weights");
    }
    if (candidates > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("global magnitude over " + candidates + " weights is too large");
    }
    // key: |w| bits (non-negative floats order like their bits), then layer, then index
    long[] keys = new long[(int) candidates];
    int[] layerOf = new int[(int) candidates];
    int[] base = new int[layers];
    int n = 0;
    for (int l = 0; l < layers; l++) {
      base[l] = n;
      if (!eligible[l]) {
        continue;
      }
      float[] v = net.layer(l).values();
      for (int i = 0; i < v.length; i++) {
        keys[n] = ((long) Float.floatToIntBits(Math.abs(v[i])) << 32) | n;
        layerOf[n++] = l;
      }
    }
    Arrays.sort(keys);
    int[] perLayer = new int[layers];
    int[] chosen = new int[(int) total];
    for (int i = 0; i < total; i++) {
      chosen[i] = (int) keys[i];
      perLayer[layerOf[chosen[i]]]++;
    }
    Arrays.sort(chosen);
    int c = 0;
    for (int l = 0; l < layers; l++) {
      out[l] = new int[perLayer[l]];
      for (int i = 0; i < perLayer[l]; i++) {
        out[l][i] = chosen[c++] - base[l];
      }
    }
    return out;
  }

}
