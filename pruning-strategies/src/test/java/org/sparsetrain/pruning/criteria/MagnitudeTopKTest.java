package org.sparsetrain.pruning.criteria;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MagnitudeTopKTest {
  private static float score(SplittableRandom r, int kind) {
    return switch (kind) {
      case 0 -> (float) r.nextGaussian();
      case 1 -> r.nextInt(5) - 2;                                        // many ties, ±0
      case 2 -> r.nextInt(20) == 0 ? Float.NaN : r.nextInt(20) == 0 ? Float.NEGATIVE_INFINITY : r.nextInt(3);
      default -> (float) (r.nextGaussian() * Math.pow(2, r.nextInt(80) - 40));
    };
  }

  /** Same k best as TopK fed the drops first and then the stream, over blocks, ties and NaN. */
  @Test
  void ranksLikeTopK() {
    SplittableRandom r = new SplittableRandom(3);
    for (int round = 0; round < 400; round++) {
      int kind = round % 4;
      int n = r.nextInt(6000);
      long[] pos = new long[n];
      float[] s = new float[n];
      boolean[] dropped = new boolean[n];
      long p = r.nextInt(3);
      for (int i = 0; i < n; i++) {
        pos[i] = p;
        p += 1 + r.nextInt(r.nextBoolean() ? 2 : 1000);
        s[i] = score(r, kind);
        dropped[i] = r.nextInt(4) == 0;
      }
      int drops = 0;
      for (boolean d : dropped) {
        drops += d ? 1 : 0;
      }
      long[] dropPos = new long[drops];
      float[] dropScore = new float[drops];
      for (int i = 0, j = 0; i < n; i++) {
        if (dropped[i]) {
          dropPos[j] = pos[i];
          dropScore[j++] = s[i];
        }
      }
      int[] ks = {0, 1, r.nextInt(n + 1), n / 3, n, n + 2};
      for (int k : ks) {
        TopK reference = new TopK(k);
        for (int j = 0; j < drops; j++) {
          reference.offer(Math.abs(dropScore[j]), dropPos[j]);
        }
        MagnitudeTopK top = new MagnitudeTopK(k);
        long[] block = new long[n];
        float[] blockScore = new float[n];
        for (int i = 0; i < n; ) {
          int m = 0;
          int end = Math.min(n, i + 1 + r.nextInt(700));
          for (; i < end; i++) {
            if (!dropped[i]) {
              reference.offer(Math.abs(s[i]), pos[i]);
              block[m] = pos[i];
              blockScore[m++] = s[i];
            }
          }
          top.offer(block, blockScore, m);
        }
        String what = "round " + round + " n " + n + " k " + k;
        assertArrayEquals(reference.positions(), top.positionsWith(dropPos, dropScore), what);
      }
    }
  }

  @Test
  void handComputedCase() {
    MagnitudeTopK top = new MagnitudeTopK(3);
    top.offer(new long[] {1, 4, 6}, new float[] {0.5f, -2f, Float.NaN}, 3);
    top.offer(new long[] {9, 12}, new float[] {0.5f, 0.5f}, 2);
    // drops at 2 (|g| 0.5) and 7 (|g| 3): 7 and 4 first, then the lowest position of the 0.5s
    assertArrayEquals(new long[] {1, 4, 7}, top.positionsWith(new long[] {2, 7}, new float[] {0.5f, -3f}));
    MagnitudeTopK all = new MagnitudeTopK(6);
    all.offer(new long[] {1, 4, 6}, new float[] {0.5f, -2f, Float.NaN}, 3);
    assertArrayEquals(new long[] {1, 2, 4, 6}, all.positionsWith(new long[] {2}, new float[] {0f}));
  }

  @Test
  void refusesPositionsOutOfOrder() {
    MagnitudeTopK top = new MagnitudeTopK(2);
    top.offer(new long[] {3, 5}, new float[] {1f, 2f}, 2);
    assertThrows(IllegalStateException.class, () -> top.offer(new long[] {5}, new float[] {1f}, 1));
    assertThrows(IllegalStateException.class, () -> top.positionsWith(new long[] {4, 3}, new float[] {1f, 1f}));
    assertThrows(IllegalStateException.class, () -> top.positionsWith(new long[] {3}, new float[] {1f}));
    assertArrayEquals(new long[0], new MagnitudeTopK(0).positionsWith(new long[] {1}, new float[] {1f}));
    assertThrows(IllegalArgumentException.class, () -> new MagnitudeTopK(-1));
    assertArrayEquals(new long[] {3, 5}, Arrays.copyOf(top.positionsWith(new long[0], new float[0]), 2));
  }
}
