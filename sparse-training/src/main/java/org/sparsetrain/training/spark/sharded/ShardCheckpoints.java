package org.sparsetrain.training.spark.sharded;

import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.ChecksumException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.checkpoint.Checkpoint;
import org.sparsetrain.training.checkpoint.CheckpointException;
import org.sparsetrain.training.checkpoint.CheckpointFormat;
import org.sparsetrain.training.checkpoint.Manifest;
import org.sparsetrain.training.checkpoint.ShardFile;
import org.sparsetrain.training.spark.HadoopConf;
import org.sparsetrain.training.spark.ModelStructure;
import scala.Tuple2;

/**
 * The executor side of sharded checkpoints: each shard's owner task writes its {@link ShardFile},
 * and on resume reads it back, through Hadoop {@code FileSystem} with the driver's configuration.
 * The driver writes and reads only the manifest (and, on resume, the masks it owns anyway).
 */
final class ShardCheckpoints {
  private ShardCheckpoints() {}

  /**
   * Writes every shard of {@code shards} (S shards per layer) into {@code folder}, one task per
   * shard RDD partition, and returns what each task wrote.
   */
  static List<Checkpoint.ShardWritten> write(JavaPairRDD<Integer, WeightShard> shards, Path folder, HadoopConf conf,
                                             int perLayer) throws IOException {
    List<ShardMessages.ShardFileWritten> reports;
    try {
      reports = shards.values().map(new WriteShard(folder.toString(), conf, perLayer)).collect();
    } catch (Exception e) {
      throw new IOException("the executors could not write the shard files of " + folder + ": " + e.getMessage(), e);
    }
    List<Checkpoint.ShardWritten> out = new ArrayList<>();
    for (ShardMessages.ShardFileWritten r : reports) {
      out.add(new Checkpoint.ShardWritten(
          new Manifest.ShardInfo(r.layer, r.index, r.r0, r.r1, r.nnz, CheckpointFormat.shardFile(r.layer, r.index)),
          new ShardFile.Written(r.bytes, r.crc32c),
          r.inTask ? new Checkpoint.WrittenBy(r.partition, r.attempt, r.stage, r.executor) : null));
    }
    return out;
  }

  /**
   * Phase 1 of a resume: every owner reads its shard file and verifies it (header, structure, size,
   * CRC32C) and returns its rows' structure; the driver assembles the masks. Throws
   * {@link CheckpointException} listing the shard files that do not verify, so that the store
   * falls back to an older checkpoint.
   */
  static ModelStructure check(JavaSparkContext sc, ShardTable table, HadoopConf conf, ModelSpec spec)
      throws CheckpointException {
    List<ShardMessages.ShardCheck> checks = keys(sc, table).mapValues(new CheckShard(table, conf)).values().collect();
    List<String> problems = new ArrayList<>();
    int layers = table.in.length;
    int[][] rowPtr = new int[layers][];
    int[][] colIdx = new int[layers][];
    int[] filled = new int[layers];
    for (int l = 0; l < layers; l++) {
      if (table.sparse[l]) {
        rowPtr[l] = new int[table.out[l] + 1];
        colIdx[l] = new int[table.layerNnz[l]];
      }
    }
    List<ShardMessages.ShardCheck> sorted = new ArrayList<>(checks);
    sorted.sort(java.util.Comparator.comparingInt(c -> c.key));
    for (ShardMessages.ShardCheck c : sorted) {
      if (c.problem != null) {
        problems.add(c.problem);
        continue;
      }
      int l = table.layer(c.key);
      if (rowPtr[l] == null) {
        continue;
      }
      int k0 = filled[l];
      for (int r = 0; r < c.rowPtr.length - 1; r++) {
        rowPtr[l][table.r0[c.key] + r] = k0 + c.rowPtr[r];
      }
      System.arraycopy(c.colIdx, 0, colIdx[l], k0, c.colIdx.length);
      filled[l] += c.colIdx.length;
      rowPtr[l][table.out[l]] = filled[l];
    }
    if (!problems.isEmpty()) {
      throw new CheckpointException(String.join("; ", problems));
    }
    if (checks.size() != table.shards()) {
      throw new CheckpointException("only " + checks.size() + " of " + table.shards() + " shards were checked");
    }
    return ModelStructure.of(spec, table.maskVersion, rowPtr, colIdx);
  }

  /** Phase 2: the shard RDD of the checkpoint, each shard read by its owner (partition j reads shard j of every layer). */
  static JavaPairRDD<Integer, WeightShard> load(JavaSparkContext sc, ShardTable table, HadoopConf conf) {
    return keys(sc, table).mapValues(new LoadShard(table, conf));
  }

  /** Every shard key, partitioned as the shard RDD is. */
  private static JavaPairRDD<Integer, Integer> keys(JavaSparkContext sc, ShardTable table) {
    List<Tuple2<Integer, Integer>> keys = new ArrayList<>();
    for (int k = 0; k < table.shards(); k++) {
      keys.add(new Tuple2<>(k, k));
    }
    return sc.parallelizePairs(keys, table.perLayer).partitionBy(new ShardPartitioner(table.perLayer));
  }

  private static ShardFile.Content read(ShardTable t, HadoopConf conf, int key) throws IOException {
    Path dir = new Path(t.dir);
    FileSystem fs = dir.getFileSystem(conf.get());
    return ShardFile.read(fs, dir, t.shard(key), t.layerInfo(key), t.slots, t.file(key));
  }

  /** An owner writes its shard's file and says which task it was. */
  private static final class WriteShard implements Function<WeightShard, ShardMessages.ShardFileWritten> {
    private static final long serialVersionUID = 1L;
    private final String folder;
    private final HadoopConf conf;
    private final int perLayer;

    WriteShard(String folder, HadoopConf conf, int perLayer) {
      this.folder = folder;
      this.conf = conf;
      this.perLayer = perLayer;
    }

    @Override
    public ShardMessages.ShardFileWritten call(WeightShard w) throws IOException {
      int index = w.key % perLayer;
      Path file = new Path(new Path(folder), CheckpointFormat.shardFile(w.layer, index));
      ShardFile.Written written = ShardFile.write(file.getFileSystem(conf.get()), file, w.content(index));
      ShardMessages.ShardFileWritten r = new ShardMessages.ShardFileWritten();
      r.layer = w.layer;
      r.index = index;
      r.r0 = w.r0;
      r.r1 = w.r1;
      r.nnz = w.nnz();
      r.bytes = written.bytes();
      r.crc32c = written.crc32c();
      TaskContext tc = TaskContext.get();
      r.inTask = tc != null;
      if (tc != null) {
        r.partition = tc.partitionId();
        r.attempt = tc.attemptNumber();
        r.stage = tc.stageId();
        r.executor = SparkEnv.get().executorId();
      }
      return r;
    }
  }

  /** An owner verifies its shard's file and returns the rows' structure, or the problem. */
  private static final class CheckShard implements Function<Integer, ShardMessages.ShardCheck> {
    private static final long serialVersionUID = 1L;
    private final ShardTable table;
    private final HadoopConf conf;

    CheckShard(ShardTable table, HadoopConf conf) {
      this.table = table;
      this.conf = conf;
    }

    @Override
    public ShardMessages.ShardCheck call(Integer key) {
      ShardMessages.ShardCheck c = new ShardMessages.ShardCheck();
      c.key = key;
      try {
        ShardFile.Content content = read(table, conf, key);
        c.rowPtr = content.rowPtr();
        c.colIdx = content.colIdx();
      } catch (CheckpointException e) {
        c.problem = e.getMessage();
      } catch (ChecksumException e) {
        c.problem = table.shard(key).file() + ": filesystem checksum error (corrupt): " + e.getMessage();
      } catch (EOFException e) {
        c.problem = table.shard(key).file() + ": unexpected end of file (truncated): " + e.getMessage();
      } catch (IOException e) {
        c.problem = table.shard(key).file() + ": cannot be read: " + e;
      }
      return c;
    }
  }

  /** An owner loads its shard from the checkpoint (verified again: a file changed since the check fails the task). */
  private static final class LoadShard implements Function<Integer, WeightShard> {
    private static final long serialVersionUID = 1L;
    private final ShardTable table;
    private final HadoopConf conf;

    LoadShard(ShardTable table, HadoopConf conf) {
      this.table = table;
      this.conf = conf;
    }

    @Override
    public WeightShard call(Integer key) throws IOException {
      return WeightShard.of(read(table, conf, key), key, table.maskVersion);
    }
  }
}
