package org.sparsetrain.training.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.api.java.function.PairFlatMapFunction;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.data.DataBlock;
import scala.Tuple2;

/**
 * Validation of the blocks a run is given, and the one-time re-blocking of the training rows into
 * V fixed virtual shards of the global row ids: shard s holds ids
 * {@code [floor(s·n/V), floor((s+1)·n/V))} as one block, and shards are spread over the
 * partitions in contiguous runs. Each micro-batch of a step (the rows of the global batch that fall
 * in one shard, in batch order) is therefore computed inside one task, the same way whatever the
 * partitioning of the input.
 */
public final class TrainingData {
  private TrainingData() {}

  /** Summaries of every block of {@code rdd} (one small record per block, collected). */
  static List<Parts.BlockSummary> summarise(JavaRDD<DataBlock> rdd) {
    Function2<Integer, Iterator<DataBlock>, Iterator<Parts.BlockSummary>> f = (idx, it) -> {
      List<Parts.BlockSummary> out = new ArrayList<>();
      while (it.hasNext()) {
        out.add(summary(idx, it.next()));
      }
      return out.iterator();
    };
    return rdd.mapPartitionsWithIndex(f, false).collect();
  }

  private static Parts.BlockSummary summary(int partition, DataBlock b) {
    Parts.BlockSummary s = new Parts.BlockSummary();
    s.partition = partition;
    s.firstRow = b.firstRow();
    s.rows = b.rows();
    s.features = b.features();
    for (int r = 0; r < b.rows() && s.badLabelRow < 0; r++) {
      if (b.label(r) < 0) {
        s.badLabelRow = b.firstRow() + r;
        s.badLabel = b.label(r);
      }
    }
    // labels above the class count are checked on the driver against the model: report the largest
    int max = Integer.MIN_VALUE;
    long maxRow = -1;
    for (int r = 0; r < b.rows(); r++) {
      if (b.label(r) > max) {
        max = b.label(r);
        maxRow = b.firstRow() + r;
      }
    }
    if (s.badLabelRow < 0 && maxRow >= 0) {
      s.badLabelRow = maxRow;
      s.badLabel = max;
    }
    int f = b.features();
    float[] dense = b.denseFeatures();
    for (int r = 0; r < b.rows() && s.nonFiniteRow < 0; r++) {
      float[] row = dense != null ? null : b.row(r);
      for (int c = 0; c < f; c++) {
        float v = dense != null ? dense[r * f + c] : row[c];
        if (!Float.isFinite(v)) {
          s.nonFiniteRow = b.firstRow() + r;
          s.nonFiniteFeature = c;
          s.nonFiniteValue = v;
          break;
        }
      }
    }
    return s;
  }

  /**
   * Checks blocks against the model; for training data also that global ids tile [0, n) and the
   * batch fits. Returns n. Throws {@link IllegalArgumentException} naming the problem.
   */
  static long check(List<Parts.BlockSummary> blocks, String what, int features, int classes, boolean training,
                    int batchSize) {
    List<Parts.BlockSummary> sorted = new ArrayList<>(blocks);
    sorted.sort(Comparator.comparingLong((Parts.BlockSummary b) -> b.firstRow).thenComparingInt(b -> b.partition));
    long n = 0;
    for (Parts.BlockSummary b : sorted) {
      if (b.rows == 0) {
        continue;
      }
      String where = what + " block in partition " + b.partition + " (global rows " + b.firstRow + ".." + (b.firstRow + b.rows - 1) + ")";
      if (b.features != features) {
        throw new IllegalArgumentException(where + " has " + b.features + " features but model.layers[0] is " + features);
      }
      if (b.badLabelRow >= 0 && (b.badLabel < 0 || b.badLabel >= classes)) {
        throw new IllegalArgumentException(what + " data row " + b.badLabelRow + ": label " + b.badLabel
            + " outside [0, " + classes + ") (the model has " + classes + " classes)");
      }
      if (b.nonFiniteRow >= 0) {
        throw new IllegalArgumentException(what + " data row " + b.nonFiniteRow + ", feature " + b.nonFiniteFeature
            + " is " + b.nonFiniteValue + ": features must be finite");
      }
      if (training) {
        if (b.firstRow != n) {
          throw new IllegalArgumentException("training rows must carry contiguous global ids over [0, n): " + where
              + (b.firstRow > n ? " leaves ids " + n + ".." + (b.firstRow - 1) + " missing" : " overlaps ids before " + n));
        }
      }
      n += b.rows;
    }
    if (training) {
      if (n == 0) {
        throw new IllegalArgumentException("the training data set is empty (" + blocks.size() + " blocks, 0 rows)");
      }
      if (batchSize > n) {
        throw new IllegalArgumentException("training.batch_size " + batchSize + " is larger than the " + n + " training rows");
      }
    }
    return n;
  }

  /**
   * Validates {@code rdd} against a model of {@code features} inputs and {@code classes} classes
   * (for training data also contiguous ids over [0, n) and a batch that fits) and returns n; for
   * other trainers in sub-packages (the sharded trainer).
   */
  public static long validate(JavaRDD<DataBlock> rdd, String what, int features, int classes, boolean training,
                              int batchSize) {
    return check(summarise(rdd), what, features, classes, training, batchSize);
  }

  /**
   * Checks the training data of a run of {@code spec} under {@code plan} (null is refused) and
   * returns the number of rows n.
   */
  public static long checkTrain(JavaRDD<DataBlock> train, ModelSpec spec, TrainingPlan plan) {
    Objects.requireNonNull(train, "training data");
    return validate(train, "training", spec.inputs(), spec.classes(), true, plan.batchSize());
  }

  /** Checks the test data of a run of {@code spec} (null is refused). */
  public static void checkTest(JavaRDD<DataBlock> test, ModelSpec spec) {
    Objects.requireNonNull(test, "test data");
    validate(test, "test", spec.inputs(), spec.classes(), false, 0);
  }

  /** Refuses a null state or one whose network's layer sizes are not {@code spec}'s. */
  public static void checkState(TrainingState state, ModelSpec spec) {
    Objects.requireNonNull(state, "state");
    if (!Arrays.equals(state.network().sizes(), spec.sizes())) {
      throw new IllegalArgumentException("the state's network has layers " + Arrays.toString(state.network().sizes())
          + " but model.layers is " + Arrays.toString(spec.sizes()));
    }
  }

  /** The V fixed virtual shards of the training rows over {@code partitions} partitions (not cached). */
  public static JavaRDD<DataBlock> virtualShards(JavaRDD<DataBlock> train, long n, int v, int partitions) {
    return shard(train, n, v, partitions);
  }

  /** First global id of shard s of V over n rows. */
  static long shardStart(int s, int v, long n) {
    return (long) s * n / v;
  }

  /** Re-blocks the training rows into V shards over {@code partitions} partitions (not yet cached). */
  static JavaRDD<DataBlock> shard(JavaRDD<DataBlock> train, long n, int v, int partitions) {
    PairFlatMapFunction<DataBlock, Integer, DataBlock> slicer = b -> {
      List<Tuple2<Integer, DataBlock>> out = new ArrayList<>();
      if (b.rows() == 0) {
        return out.iterator();
      }
      long end = b.firstRow() + b.rows();
      int s = (int) Math.min(v - 1, (b.firstRow() * v) / n);
      while (s > 0 && shardStart(s, v, n) > b.firstRow()) {
        s--;
      }
      for (; s < v && shardStart(s, v, n) < end; s++) {
        long lo = Math.max(b.firstRow(), shardStart(s, v, n));
        long hi = Math.min(end, shardStart(s + 1, v, n));
        if (hi > lo) {
          out.add(new Tuple2<>(s, Blocks.slice(b, (int) (lo - b.firstRow()), (int) (hi - lo))));
        }
      }
      return out.iterator();
    };
    FlatMapFunction<Iterator<Tuple2<Integer, DataBlock>>, DataBlock> joiner = it -> {
      Map<Integer, List<DataBlock>> byShard = new TreeMap<>();
      while (it.hasNext()) {
        Tuple2<Integer, DataBlock> p = it.next();
        byShard.computeIfAbsent(p._1(), k -> new ArrayList<>()).add(p._2());
      }
      List<DataBlock> out = new ArrayList<>();
      for (List<DataBlock> pieces : byShard.values()) {
        pieces.sort(Comparator.comparingLong(DataBlock::firstRow));
        out.add(Blocks.concat(pieces));
      }
      return out.iterator();
    };
    return train.flatMapToPair(slicer).partitionBy(new ShardPartitioner(v, partitions)).mapPartitions(joiner, true);
  }

  /** Shard s goes to partition floor(s·P/V): contiguous runs of shards per partition. */
  static final class ShardPartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final int shards;
    private final int partitions;

    ShardPartitioner(int shards, int partitions) {
      this.shards = shards;
      this.partitions = partitions;
    }

    @Override
    public int numPartitions() {
      return partitions;
    }

    @Override
    public int getPartition(Object key) {
      return (int) ((long) (Integer) key * partitions / shards);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof ShardPartitioner p && p.shards == shards && p.partitions == partitions;
    }

    @Override
    public int hashCode() {
      return shards * 31 + partitions;
    }
  }
}
