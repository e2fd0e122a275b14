package org.sparsetrain.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class BatchSamplerTest {

  @ParameterizedTest
  @CsvSource({"1003,10", "1024,32", "5,2", "1,1", "7,7", "1000,1", "65537,256"})
  void eachEpochVisitsDistinctRows(long n, int b) {
    BatchSampler s = new BatchSampler(n, b, 17);
    long spe = n / b;
    assertEquals(spe, s.stepsPerEpoch());
    for (int epoch = 0; epoch < 3; epoch++) {
      Set<Long> seen = new HashSet<>();
      for (long step = 0; step < spe; step++) {
        long t = epoch * spe + step + 1;
        assertEquals(epoch, s.epochOf(t));
        for (long r : s.batch(t)) {
          assertTrue(r >= 0 && r < n, "row in range: " + r);
          assertTrue(seen.add(r), "row " + r + " drawn twice in epoch " + epoch);
        }
      }
      assertEquals(spe * b, seen.size());
    }
  }

  @Test
  void epochsUseDifferentOrdersAndCoverAllRows() {
    BatchSampler s = new BatchSampler(1003, 10, 5);
    assertFalse(Arrays.equals(s.batch(1), s.batch(1 + s.stepsPerEpoch())), "epoch 1 reshuffles");
    Set<Long> all = new HashSet<>();
    for (long t = 1; t <= 20 * s.stepsPerEpoch(); t++) {
      for (long r : s.batch(t)) {
        all.add(r);
      }
    }
    assertEquals(1003, all.size(), "remainder rows are seen in some epoch");
  }

  @Test
  void deterministicInSeedEpochStep() {
    BatchSampler a = new BatchSampler(5000, 64, 99);
    BatchSampler b = new BatchSampler(5000, 64, 99);
    BatchSampler c = new BatchSampler(5000, 64, 100);
    for (long t : new long[] {1, 2, 78, 79, 500}) {
      assertArrayEquals(a.batch(t), b.batch(t));
      assertFalse(Arrays.equals(a.batch(t), c.batch(t)), "another seed, another batch at step " + t);
      for (int j = 0; j < 64; j += 13) {
        assertEquals(a.batch(t)[j], a.row(t, j));
      }
    }
    assertFalse(Arrays.equals(a.batch(1), a.batch(2)));
  }

  @Test
  void localRowsOverAnySplitReassembleTheBatch() {
    long n = 1003;
    int bs = 50;
    BatchSampler s = new BatchSampler(n, bs, 3);
    SplittableRandom rnd = new SplittableRandom(1);
    for (int trial = 0; trial < 20; trial++) {
      // random split of [0, n) into 1..8 contiguous ranges (some may be tiny)
      int parts = 1 + rnd.nextInt(8);
      long[] cuts = new long[parts + 1];
      cuts[parts] = n;
      for (int i = 1; i < parts; i++) {
        cuts[i] = rnd.nextLong(n + 1);
      }
      Arrays.sort(cuts);
      long t = 1 + rnd.nextInt(500);
      long[] global = s.batch(t);
      List<Long> union = new ArrayList<>();
      int[] buf = new int[bs];
      for (int i = 0; i < parts; i++) {
        long first = cuts[i];
        int count = (int) (cuts[i + 1] - cuts[i]);
        int m = s.localRows(t, first, count, buf);
        // in batch order: the local rows are the global batch filtered to this range
        int j = 0;
        for (long g : global) {
          if (g >= first && g < first + count) {
            assertEquals(g - first, buf[j++], "batch order within range " + i);
          }
        }
        assertEquals(j, m);
        for (int q = 0; q < m; q++) {
          assertTrue(buf[q] >= 0 && buf[q] < count);
          union.add(first + buf[q]);
        }
      }
      assertEquals(bs, union.size(), "every example of the batch lands in exactly one range");
      long[] u = union.stream().mapToLong(Long::longValue).sorted().toArray();
      long[] g = global.clone();
      Arrays.sort(g);
      assertArrayEquals(g, u);
    }
  }

  @Test
  void rejectsBadArguments() {
    assertThrows(IllegalArgumentException.class, () -> new BatchSampler(0, 1, 1));
    assertThrows(IllegalArgumentException.class, () -> new BatchSampler(10, 11, 1));
    assertThrows(IllegalArgumentException.class, () -> new BatchSampler(10, 0, 1));
  }
}
