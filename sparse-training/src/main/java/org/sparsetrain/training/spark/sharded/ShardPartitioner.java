package org.sparsetrain.training.spark.sharded;

import org.apache.spark.Partitioner;

/**
 * Shard keys are {@code layer · S + j}; key k lives in partition {@code k mod S}, so partition j
 * holds shard j of every layer (about 1/S of the model and its optimizer state).
 */
final class ShardPartitioner extends Partitioner {
  private static final long serialVersionUID = 1L;
  private final int shards;

  ShardPartitioner(int shards) {
    this.shards = shards;
  }

  @Override
  public int numPartitions() {
    return shards;
  }

  @Override
  public int getPartition(Object key) {
    return Math.floorMod((Integer) key, shards);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ShardPartitioner p && p.shards == shards;
  }

  @Override
  public int hashCode() {
    return 0x5A4D + shards;
  }
}
