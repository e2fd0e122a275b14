package org.sparsetrain.pruning.criteria;

import java.util.Arrays;
import org.sparsetrain.training.util.RadixSelect;

/**
 * The exact k positions of largest |score| (equal magnitudes by the lower position, NaN below
 * everything) of a stream whose positions ascend, as {@link TopK} ranks them, in O(offers) and
 * without sorting: the stream of a layer's inactive-position gradient, row block by row block.
 *
 * <p>Candidates are kept in arrival order, so in position order, with their scores; whenever
 * they exceed about 2k a {@link RadixSelect} cuts them back to their k best, which keeps their
 * order. An entry that is not among the k best
 * of what came so far is not among the k best of everything. At the end a second ascending list
 * (the connections just dropped, scored by the sparse gradient) is merged in by position and one
 * more select gives the k best, already ascending.
 */
public final class MagnitudeTopK {
  /** The least room for candidates beyond the k best, so that a small k does not compact often. */
  private static final int MIN_SLACK = 4096;

  private final int k;
  private long[] pos;
  private float[] score;
  private int count;
  private long last = Long.MIN_VALUE;

  public MagnitudeTopK(int k) {
    if (k < 0) {
      throw new IllegalArgumentException("k must be >= 0, got " + k);
    }
    this.k = k;
    int capacity = (int) Math.min(2L * k + MIN_SLACK, Integer.MAX_VALUE - 8);
    this.pos = new long[capacity];
    this.score = new float[capacity];
  }

  /** Offers positions[i] with scores[i], i &lt; n; the positions must ascend past every earlier one. */
  public void offer(long[] positions, float[] scores, int n) {
    for (int i = 0; i < n; i++) {
      long p = positions[i];
      if (p <= last) {
        throw new IllegalStateException("positions must ascend: " + p + " after " + last);
      }
      last = p;
      if (count == pos.length) {
        compact();
        if (count == pos.length) {   // k itself fills the room
          pos = Arrays.copyOf(pos, 2 * pos.length);
          score = Arrays.copyOf(score, pos.length);
        }
      }
      pos[count] = p;
      score[count++] = scores[i];
    }
  }

  /** How many entries were offered, up to the ones a compaction already let go: at least min(k, offers). */
  public int candidates() {
    return count;
  }

  /**
   * The k best (all when fewer) of the offers and of (positions[i], scores[i]), the latter ascending
   * and disjoint from the offers; ascending positions.
   */
  public long[] positionsWith(long[] positions, float[] scores) {
    int n = count + positions.length;
    long[] p = new long[n];
    float[] q = new float[n];
    int a = 0;
    int b = 0;
    for (int i = 0; i < n; i++) {
      if (b < positions.length && b > 0 && positions[b] <= positions[b - 1]) {
        throw new IllegalStateException("positions must ascend: " + positions[b] + " after " + positions[b - 1]);
      }
      if (a < count && b < positions.length && pos[a] == positions[b]) {
        throw new IllegalStateException("position " + pos[a] + " offered twice");
      }
      if (b >= positions.length || (a < count && pos[a] < positions[b])) {
        p[i] = pos[a];
        q[i] = score[a++];
      } else {
        p[i] = positions[b];
        q[i] = scores[b++];
      }
    }
    int[] best = RadixSelect.largest(q, n, k);
    long[] out = new long[best.length];
    for (int i = 0; i < best.length; i++) {
      out[i] = p[best[i]];
    }
    return out;
  }

  /** Cuts the candidates back to their k best, in order. */
  private void compact() {
    int[] best = RadixSelect.largest(score, count, k);
    for (int i = 0; i < best.length; i++) {
      pos[i] = pos[best[i]];
      score[i] = score[best[i]];
    }
    count = best.length;
  }
}
