package org.sparsetrain.training.spark;

import org.sparsetrain.training.data.BatchSampler;
import org.sparsetrain.training.data.DataBlock;

/**
 * The rows of step t's global batch that fall in one virtual shard, as that shard's micro-batch
 * reads them: their positions in the batch, their features (features × n, feature-major) and
 * labels. A local-SGD round that ends before a mask-update step returns these for that step (a
 * few hundred KB for a whole batch), so the driver computes the step itself, micro-batch by
 * micro-batch exactly as the shards' tasks would, instead of paying a Spark job for it.
 */
final class ShardRows implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  int[] positions;
  float[] features;
  int[] labels;

  /** The rows of step {@code step} in block b, or null if the block has none. */
  static ShardRows of(DataBlock b, BatchSampler sampler, long step) {
    int[] local = new int[sampler.batchSize()];
    int[] positions = new int[sampler.batchSize()];
    int n = sampler.localRows(step, b.firstRow(), b.rows(), local, positions);
    if (n == 0) {
      return null;
    }
    ShardRows s = new ShardRows();
    s.positions = java.util.Arrays.copyOf(positions, n);
    s.features = new float[b.features() * n];
    s.labels = new int[n];
    b.gather(local, 0, n, s.features, s.labels, 0);
    return s;
  }

  long bytes() {
    return 4L * (positions.length + features.length + labels.length);
  }
}
