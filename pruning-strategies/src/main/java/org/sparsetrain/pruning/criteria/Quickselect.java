package org.sparsetrain.pruning.criteria;

/**
 * In-place selection of the first n elements of an array prefix in an order (introselect), O(size)
 * but for contrived inputs: median-of-three Hoare partitioning, and a range still not narrowed down
 * after 2·log₂(size) rounds is sorted instead, so no input (all equal, sorted, adversarial) costs
 * more than O(size log size). Afterwards the first n elements are the n first in the order, element
 * n − 1 being the n-th; their order among themselves is otherwise unspecified.
 */
final class Quickselect {
  /** A range [lo, hi] with hi − lo at most this is finished by insertion sort. */
  private static final int SHORT = 16;

  private Quickselect() {}

  /** Whether (s1, p1) comes before (s2, p2): the higher score, on equal scores the lower position. */
  static boolean ahead(double s1, long p1, double s2, long p2) {
    return s1 > s2 || (s1 == s2 && p1 < p2);
  }

  /**
   * Moves the n pairs of (score[0, size), pos[0, size)) that come first by {@link #ahead} to the
   * front. Scores must not be NaN.
   */
  static void best(double[] score, long[] pos, int size, int n) {
    if (n <= 0 || n >= size) {
      return;
    }
    int target = n - 1;
    int lo = 0;
    int hi = size - 1;
    for (int rounds = maxRounds(size); hi - lo > SHORT; rounds--) {
      if (rounds == 0) {
        heapSort(score, pos, lo, hi);
        return;
      }
      int mid = (lo + hi) >>> 1;
      if (ahead(score[mid], pos[mid], score[lo], pos[lo])) {
        swap(score, pos, mid, lo);
      }
      if (ahead(score[hi], pos[hi], score[mid], pos[mid])) {
        swap(score, pos, hi, mid);
        if (ahead(score[mid], pos[mid], score[lo], pos[lo])) {
          swap(score, pos, mid, lo);
        }
      }
      double ps = score[mid];
      long pp = pos[mid];
      int i = lo;
      int j = hi;
      while (true) {
        do {
          i++;
        } while (ahead(score[i], pos[i], ps, pp));
        do {
          j--;
        } while (ahead(ps, pp, score[j], pos[j]));
        if (i >= j) {
          break;
        }
        swap(score, pos, i, j);
      }
      if (target <= j) {
        hi = j;
      } else {
        lo = j + 1;
      }
    }
    for (int i = lo + 1; i <= hi; i++) {
      double s = score[i];
      long p = pos[i];
      int j = i - 1;
      while (j >= lo && ahead(s, p, score[j], pos[j])) {
        score[j + 1] = score[j];
        pos[j + 1] = pos[j];
        j--;
      }
      score[j + 1] = s;
      pos[j + 1] = p;
    }
  }

  /** Partitioning rounds before a range is sorted instead: 2·⌊log₂ size⌋. */
  private static int maxRounds(int size) {
    return 2 * (31 - Integer.numberOfLeadingZeros(size));
  }

  /** Sorts pairs [lo, hi] by {@link #ahead}: a heap whose root comes last, emptied back to front. */
  private static void heapSort(double[] score, long[] pos, int lo, int hi) {
    int n = hi - lo + 1;
    for (int i = n / 2 - 1; i >= 0; i--) {
      siftDown(score, pos, lo, i, n);
    }
    for (int end = n - 1; end > 0; end--) {
      swap(score, pos, lo, lo + end);
      siftDown(score, pos, lo, 0, end);
    }
  }

  private static void siftDown(double[] score, long[] pos, int base, int i, int n) {
    while (true) {
      int last = i;
      for (int c = 2 * i + 1; c <= 2 * i + 2 && c < n; c++) {
        if (ahead(score[base + last], pos[base + last], score[base + c], pos[base + c])) {
          last = c;
        }
      }
      if (last == i) {
        return;
      }
      swap(score, pos, base + i, base + last);
      i = last;
    }
  }

  private static void swap(double[] score, long[] pos, int i, int j) {
    double s = score[i];
    score[i] = score[j];
    score[j] = s;
    long p = pos[i];
    pos[i] = pos[j];
    pos[j] = p;
  }
}
