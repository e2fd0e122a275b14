package org.sparsetrain.training.spark.sharded;

import org.sparsetrain.training.spark.BatchTotals;
import org.sparsetrain.training.spark.FixedPoint;

/** What the sharded trainer moves between tasks and to the driver (all Kryo-registered, plain fields). */
final class ShardMessages {
  private ShardMessages() {}

  /** One shard's values and biases, sent to every data partition (the all-gather). */
  static final class ValuesPiece implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    int key;
    int layer;
    int r0;
    int r1;
    long version;
    float[] values;
    float[] bias;
  }

  /**
   * One data partition's fixed-point gradient of one shard's slice (weights then biases), and at
   * gradient-growth steps of its inactive positions; shard key 0 also carries the batch statistics.
   */
  static final class GradSlice extends BatchTotals {
    private static final long serialVersionUID = 1L;
    long[] acc;
    long[] inactive;

    GradSlice merge(GradSlice o) {
      bad |= o.bad | !FixedPoint.addInto(o.acc, acc);
      if (inactive != null && o.inactive != null) {
        bad |= !FixedPoint.addInto(o.inactive, inactive);
      }
      addTotals(o);
      return this;
    }
  }

  /** What the driver learns about one shard after a step: statistics and mask candidates. */
  static final class ShardSummary extends BatchTotals {
    private static final long serialVersionUID = 1L;
    int key;
    int layer;
    int nnz;
    long inactive;
    int[] dropIdx;
    float[] dropVal;
    float[] dropGrad;
    boolean allDrops;
    long[] growPos;
    float[] growGrad;
    boolean allGrows;

    long bytes() {
      return 64L + 12L * dropIdx.length + 12L * growPos.length;
    }
  }

  /** The changed positions of one shard (local indices and positions), sent back by the driver. */
  static final class ShardEdit implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    int[] drop;
    /** Ascending local positions. */
    long[] grow;
    float[] growValues;

    long bytes() {
      return 4L * drop.length + 8L * grow.length + (growValues == null ? 0 : 4L * growValues.length);
    }
  }

  /** What the owner of a shard reports after writing its checkpoint file, and which task it was. */
  static final class ShardFileWritten implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    int layer;
    int index;
    int r0;
    int r1;
    long nnz;
    long bytes;
    long crc32c;
    /** False when no Spark task context was present (never, on executors). */
    boolean inTask;
    int partition;
    int attempt;
    int stage;
    String executor;
  }

  /** A shard's checkpoint file read back and verified by its owner: the rows' structure, or what is wrong. */
  static final class ShardCheck implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    int key;
    /** Local row pointers and columns; null for a dense layer or when {@link #problem} is set. */
    int[] rowPtr;
    int[] colIdx;
    String problem;
  }
}
