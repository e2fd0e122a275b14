package org.sparsetrain.pruning.prune;

import java.util.Arrays;
import org.sparsetrain.pruning.criteria.PruneCriterion;
import org.sparsetrain.training.nn.Network;

/**
 * SET's original rule (Mocanu et al. 2018): separate thresholds for the two signs — the same
 * fraction of the negative weights (those closest to zero, i.e. the largest) and of the
 * non-negative weights (the smallest) is removed. Of a layer's {@code counts[l]},
 * {@code round(counts·neg/nnz)} come from the negative side and the rest from the non-negative
 * side (moved to the other side if one runs short), so the layer's count is exact. Ties by the lower
 * index.
 */
public final class SignedMagnitudePrune implements PruneCriterion {
  @Override public String name() { return "signed_magnitude"; }

  @Override
  public int[][] select(Network net, int[] counts, boolean[] eligible, long seed, long t) {
    int[][] out = new int[net.layerCount()][];
    for (int l = 0; l < out.length; l++) {
      out[l] = layer(net.layer(l).values(), counts[l]);
    }
    return out;
  }

  static int[] layer(float[] v, int n) {
    if (n <= 0) {
      return new int[0];
    }
    if (n > v.length) {
      throw new IllegalArgumentException("cannot drop " + n + " of " + v.length + " weights");
    }
    int neg = 0;
    for (float x : v) {
      if (x < 0) {
        neg++;
      }
    }
    int pos = v.length - neg;
    int fromNeg = (int) Math.round(n * (double) neg / v.length);
    fromNeg = Math.max(n - pos, Math.min(fromNeg, neg));
    int fromPos = n - fromNeg;
    long[] nk = new long[neg];
    long[] pk = new long[pos];
    int a = 0;
    int b = 0;
    for (int i = 0; i < v.length; i++) {
      long bits = Float.floatToIntBits(Math.abs(v[i]));
      if (v[i] < 0) {
        nk[a++] = (bits << 32) | i;     // closest to zero first
      } else {
        pk[b++] = (bits << 32) | i;     // smallest first
      }
    }
    Arrays.sort(nk);
    Arrays.sort(pk);
    int[] out = new int[n];
    for (int i = 0; i < fromNeg; i++) {
      out[i] = (int) nk[i];
    }
    for (int i = 0; i < fromPos; i++) {
      out[fromNeg + i] = (int) pk[i];
    }
    Arrays.sort(out);
    return out;
  }
}
