package org.sparsetrain.pruning.criteria;

import java.util.Arrays;

/**
 * The exact k best of a stream of (score, position) pairs: higher score first, equal scores by the
 * lower position; NaN ranks below everything. O(k) memory, amortised O(1) per offer, so a growth
 * criterion can rank a whole layer's inactive positions block by block: an offer is kept only if it
 * beats the k-th best of the last compaction, and a full buffer of about 2k candidates is cut back
 * to its k best by a quickselect, O(k) once per at least k kept offers.
 */
public final class TopK {
  /** The least room for candidates beyond the k best, so that a small k does not compact often. */
  private static final int MIN_SLACK = 1024;

  private final int k;
  private final double[] score;
  private final long[] pos;
  private int count;
  /** Whether a compaction has run; (thresholdScore, thresholdPos) is then the k-th best it kept. */
  private boolean compacted;
  private double thresholdScore;
  private long thresholdPos;

  public TopK(int k) {
    if (k < 0) {
      throw new IllegalArgumentException("k must be >= 0, got " + k);
    }
    this.k = k;
    int capacity = k == 0 ? 0 : (int) Math.min((long) k + Math.max(k, MIN_SLACK), Integer.MAX_VALUE);
    this.score = new double[capacity];
    this.pos = new long[capacity];
  }

  public void offer(double s, long p) {
    if (k == 0) {
      return;
    }
    if (Double.isNaN(s)) {
      s = Double.NEGATIVE_INFINITY;
    }
    if (compacted && !Quickselect.ahead(s, p, thresholdScore, thresholdPos)) {
      return;
    }
    score[count] = s;
    pos[count] = p;
    if (++count == score.length) {
      compact();
    }
  }

  /** How many positions {@link #positions()} returns: min(k, offers so far). */
  public int size() {
    return Math.min(k, count);
  }

  /** The chosen positions in ascending order. */
  public long[] positions() {
    if (count > k) {
      compact();
    }
    long[] out = Arrays.copyOf(pos, count);
    Arrays.sort(out);
    return out;
  }

  /** Cuts the candidates back to their k best; the k-th best becomes the bar for later offers. */
  private void compact() {
    Quickselect.best(score, pos, count, k);
    count = k;
    thresholdScore = score[k - 1];
    thresholdPos = pos[k - 1];
    compacted = true;
  }
}
