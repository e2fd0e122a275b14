package org.sparsetrain.pruning.criteria;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TopKTest {
  private static final double[] FEW = {
      -1.0, -0.0, 0.0, 0.25, 0.5, 1.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};

  /** Sorts every pair by (score desc with NaN as −∞, position asc), takes k, sorts their positions. */
  private static long[] reference(double[] score, long[] pos, int count, int k) {
    Integer[] order = new Integer[count];
    for (int i = 0; i < count; i++) {
      order[i] = i;
    }
    Comparator<Integer> best = (a, b) -> {
      double sa = Double.isNaN(score[a]) ? Double.NEGATIVE_INFINITY : score[a];
      double sb = Double.isNaN(score[b]) ? Double.NEGATIVE_INFINITY : score[b];
      if (sa != sb) {
        return sa > sb ? -1 : 1;
      }
      return Long.compare(pos[a], pos[b]);
    };
    Arrays.sort(order, best);
    long[] out = new long[Math.min(k, count)];
    for (int i = 0; i < out.length; i++) {
      out[i] = pos[order[i]];
    }
    Arrays.sort(out);
    return out;
  }

  private static double score(SplittableRandom r, int kind) {
    switch (kind) {
      case 0:
        return Math.abs((float) r.nextGaussian());   // the growth workload: |gradient| as float
      case 1:
        return FEW[r.nextInt(FEW.length)];
      case 2:
        return r.nextDouble(-3, 3);
      case 3:
        return 0.5;
      default:
        return r.nextInt(4) - 2;
    }
  }

  private static long[] positions(SplittableRandom r, int count, int kind) {
    long[] p = new long[count];
    long next = kind == 0 ? (1L << 33) + r.nextInt(1000) : 0;
    for (int i = 0; i < count; i++) {
      switch (kind) {
        case 0:   // ascending beyond 32 bits, like row * in + col of a huge layer
          next += 1 + r.nextInt(5);
          p[i] = next;
          break;
        case 1:   // 16 interleaved blocks, each ascending
          p[i] = (long) r.nextInt(16) * 1_000_000 + i;
          break;
        case 2:
          p[i] = r.nextLong();
          break;
        case 3:   // descending
          p[i] = count - i;
          break;
        default:  // a few repeated positions
          p[i] = r.nextInt(Math.max(1, count / 2));
      }
    }
    return p;
  }

  @Test
  void matchesAFullSortOnRandomStreams() {
    SplittableRandom r = new SplittableRandom(20240611);
    for (int c = 0; c < 600; c++) {
      int count = c % 10 == 0 ? r.nextInt(20) : r.nextInt(c % 3 == 0 ? 12_000 : 3_000);
      int[] ks = {0, 1, 2, r.nextInt(50), r.nextInt(count + 1), count, count + 1 + r.nextInt(5), r.nextInt(5_000)};
      int k = ks[r.nextInt(ks.length)];
      int scoreKind = r.nextInt(5);
      double[] s = new double[count];
      for (int i = 0; i < count; i++) {
        s[i] = score(r, scoreKind);
      }
      long[] p = positions(r, count, r.nextInt(5));
      TopK top = new TopK(k);
      for (int i = 0; i < count; i++) {
        top.offer(s[i], p[i]);
        assertEquals(Math.min(k, i + 1), top.size());
      }
      String what = "case " + c + ": k " + k + " of " + count + ", scores " + scoreKind;
      assertArrayEquals(reference(s, p, count, k), top.positions(), what);
      assertArrayEquals(reference(s, p, count, k), top.positions(), what + ", asked twice");
    }
  }

  @Test
  void offersAfterReadingThePositionsStillCount() {
    SplittableRandom r = new SplittableRandom(7);
    int count = 50_000;
    double[] s = new double[count];
    long[] p = positions(r, count, 0);
    for (int i = 0; i < count; i++) {
      s[i] = score(r, i < count / 2 ? 0 : 1);
    }
    TopK top = new TopK(3_000);
    for (int i = 0; i < count; i++) {
      top.offer(s[i], p[i]);
      if (i % 9_999 == 0) {
        assertArrayEquals(reference(s, p, i + 1, 3_000), top.positions(), "after " + (i + 1));
      }
    }
    assertArrayEquals(reference(s, p, count, 3_000), top.positions());
  }

  @Test
  void equalScoresGoToTheLowerPositionsWhateverTheOrderOfOffers() {
    TopK up = new TopK(5);
    TopK down = new TopK(5);
    for (int i = 0; i < 10_000; i++) {
      up.offer(1.0, i);
      down.offer(1.0, 9_999 - i);
    }
    assertArrayEquals(new long[] {0, 1, 2, 3, 4}, up.positions());
    assertArrayEquals(new long[] {0, 1, 2, 3, 4}, down.positions());
  }

  @Test
  void nanRanksWithMinusInfinityBelowEverythingElse() {
    TopK top = new TopK(3);
    top.offer(Double.NaN, 1);
    top.offer(Double.NEGATIVE_INFINITY, 2);
    top.offer(-1e300, 9);
    top.offer(Double.NaN, 0);
    assertArrayEquals(new long[] {0, 1, 9}, top.positions());
    TopK zeros = new TopK(1);
    zeros.offer(0.0, 5);
    zeros.offer(-0.0, 4);
    assertArrayEquals(new long[] {4}, zeros.positions());
  }

  @Test
  void zeroKeepsNothingAndNegativeKIsRejected() {
    TopK none = new TopK(0);
    none.offer(1.0, 1);
    assertEquals(0, none.size());
    assertArrayEquals(new long[0], none.positions());
    assertThrows(IllegalArgumentException.class, () -> new TopK(-1));
  }
}
