package org.sparsetrain.pruning.criteria;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.util.Rng;

/**
 * SET's growth: n positions drawn uniformly among those inactive after the drop, keyed by
 * (seed, step, layer) so every run and every retry draws the same. A connection just dropped is
 * among the candidates, as in RigL's reference code.
 */
public final class RandomGrowth {
  private RandomGrowth() {}

  private static final long PURPOSE = 0x67726F77L; // "grow"

  /**
   * @param dropped stored-weight indices dropped in this update (sorted)
   * @return n positions {@code row * in + col}, ascending
   */
  public static long[] choose(Layer layer, int[] dropped, int n, long seed, long step, int l) {
    if (n <= 0) {
      return new long[0];
    }
    long total = (long) layer.inFeatures() * layer.outFeatures();
    long candidates = total - layer.nnz() + dropped.length;
    if (n > candidates) {
      throw new IllegalArgumentException("cannot grow " + n + " in layer " + l + ": only " + candidates + " inactive positions");
    }
    SplittableRandom r = Rng.of(seed, step, l, PURPOSE);
    long[] ranks = distinctRanks(r, candidates, n);
    return ranksToPositions(layer, dropped, ranks);
  }

  /** n distinct values in [0, m), sorted (Floyd's algorithm). */
  static long[] distinctRanks(SplittableRandom r, long m, int n) {
    Set<Long> chosen = new HashSet<>(n * 2);
    for (long j = m - n; j < m; j++) {
      long t = r.nextLong(j + 1);
      if (!chosen.add(t)) {
        chosen.add(j);
      }
    }
    long[] out = new long[n];
    int i = 0;
    for (long v : chosen) {
      out[i++] = v;
    }
    Arrays.sort(out);
    return out;
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
      for (int c = 0; c < in && next < ranks.length; c++) {
        boolean active = false;
        if (k < rp[row + 1] && ci[k] == c) {
          active = !isDropped[k];
          k++;
        }
        if (!active) {
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
