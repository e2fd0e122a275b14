package org.sparsetrain.pruning.criteria;

import java.util.Arrays;

/**
 * The exact k best of a stream of (score, position) pairs: higher score first, equal scores by the
 * lower position; NaN ranks below everything. O(k) memory, O(log k) per offer, so a growth
 * criterion can rank a whole layer's inactive positions block by block.
 */
public final class TopK {
  private final int k;
  private final double[] score;
  private final long[] pos;
  private int size;

  public TopK(int k) {
    if (k < 0) {
      throw new IllegalArgumentException("k must be >= 0, got " + k);
    }
    this.k = k;
    this.score = new double[k];
    this.pos = new long[k];
  }

  /** Whether (s1, p1) ranks below (s2, p2). */
  private static boolean worse(double s1, long p1, double s2, long p2) {
    return s1 < s2 || (s1 == s2 && p1 > p2);
  }

  public void offer(double s, long p) {
    if (k == 0) {
      return;
    }
    if (Double.isNaN(s)) {
      s = Double.NEGATIVE_INFINITY;
    }
    if (size < k) {
      score[size] = s;
      pos[size] = p;
      up(size++);
    } else if (worse(score[0], pos[0], s, p)) {
      score[0] = s;
      pos[0] = p;
      down(0);
    }
  }

  public int size() {
    return size;
  }

  /** The chosen positions in ascending order. */
  public long[] positions() {
    long[] out = Arrays.copyOf(pos, size);
    Arrays.sort(out);
    return out;
  }

  // min-heap on "worse": the root is the worst kept candidate
  private void up(int i) {
    while (i > 0) {
      int parent = (i - 1) / 2;
      if (worse(score[i], pos[i], score[parent], pos[parent])) {
        swap(i, parent);
        i = parent;
      } else {
        return;
      }
    }
  }

  private void down(int i) {
    while (true) {
      int l = 2 * i + 1;
      int r = l + 1;
      int m = i;
      if (l < size && worse(score[l], pos[l], score[m], pos[m])) {
        m = l;
      }
      if (r < size && worse(score[r], pos[r], score[m], pos[m])) {
        m = r;
      }
      if (m == i) {
        return;
      }
      swap(i, m);
      i = m;
    }
  }

  private void swap(int a, int b) {
    double s = score[a];
    score[a] = score[b];
    score[b] = s;
    long p = pos[a];
    pos[a] = pos[b];
    pos[b] = p;
  }
}
