package org.sparsetrain.pruning.criteria;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class QuickselectTest {
  private static final int SIZE = 200_001;

  /** Inputs that defeat naive pivots: sorted, reversed, all equal, organ pipe, sawtooth. */
  private static long[] shape(int kind) {
    long[] a = new long[SIZE];
    for (int i = 0; i < SIZE; i++) {
      switch (kind) {
        case 0:
          a[i] = i;
          break;
        case 1:
          a[i] = SIZE - i;
          break;
        case 2:
          a[i] = 7;
          break;
        case 3:
          a[i] = Math.min(i, SIZE - i);
          break;
        default:
          a[i] = i % 64;
      }
    }
    return a;
  }

  @Test
  void bestPutsTheNBestPairsFirstAndTheNthAtNMinusOne() {
    for (int kind = 0; kind < 5; kind++) {
      for (int n : new int[] {1, 17, SIZE / 3, SIZE / 2, SIZE - 1}) {
        double[] score = new double[SIZE];
        long[] pos = shape(kind);
        for (int i = 0; i < SIZE; i++) {
          score[i] = pos[i] % 3;   // many equal scores, decided by the positions
        }
        long[] byRank = new long[SIZE];
        for (int i = 0; i < SIZE; i++) {
          // (score desc, position asc) as one ascending key: the positions are below 2^20
          byRank[i] = (long) (2 - score[i]) << 20 | pos[i];
        }
        Arrays.sort(byRank);
        Quickselect.best(score, pos, SIZE, n);
        assertEquals(byRank[n - 1] & 0xfffff, pos[n - 1], "shape " + kind + ", n " + n);
        long[] front = new long[n];
        for (int i = 0; i < n; i++) {
          front[i] = (long) (2 - score[i]) << 20 | pos[i];
        }
        Arrays.sort(front);
        assertArrayEquals(Arrays.copyOf(byRank, n), front, "shape " + kind + ", n " + n);
      }
    }
  }
}
