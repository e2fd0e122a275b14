package org.sparsetrain.training.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.sparsetrain.training.data.BatchSampler;

/** The local batches of local-SGD rounds: equal shares of B, each partition row once per epoch. */
class LocalBatchTest {
  @Test
  void eachPartitionTakesItsShareOfTheBatch() {
    BatchSampler global = new BatchSampler(60_000, 128, 42);
    assertEquals(64, Tasks.Round.localBatch(global, 30_000));
    assertEquals(128, Tasks.Round.localBatch(global, 60_000));
    assertEquals(43, Tasks.Round.localBatch(global, 20_000));
    assertEquals(0, Tasks.Round.localBatch(global, 0));
    assertEquals(3, Tasks.Round.localBatch(new BatchSampler(100, 99, 1), 3), "never more than the partition's rows");
  }

  @Test
  void oneEpochOfLocalBatchesVisitsEveryRowOnce() {
    BatchSampler global = new BatchSampler(60_000, 128, 42);
    int rows = 30_000;
    int m = Tasks.Round.localBatch(global, rows);
    BatchSampler own = new BatchSampler(rows, m, 42 + 30_000);
    Set<Long> seen = new HashSet<>();
    for (long s = 0; s < global.stepsPerEpoch(); s++) {
      for (int j = 0; j < m; j++) {
        long r = own.rowAt(1, s * m + j);
        assertTrue(r >= 0 && r < rows);
        assertTrue(seen.add(r), "row " + r + " twice in one epoch");
      }
    }
    assertEquals(global.stepsPerEpoch() * m, seen.size());
  }

  @Test
  void withAllRowsTheLocalBatchIsTheGlobalBatch() {
    BatchSampler global = new BatchSampler(1000, 32, 7);
    for (long t = 1; t <= 70; t++) {
      long epoch = (t - 1) / global.stepsPerEpoch();
      long first = (t - 1) % global.stepsPerEpoch() * 32;
      for (int j = 0; j < 32; j++) {
        assertEquals(global.row(t, j), global.rowAt(epoch, first + j));
      }
    }
  }
}
