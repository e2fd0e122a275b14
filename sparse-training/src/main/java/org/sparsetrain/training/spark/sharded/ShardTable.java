package org.sparsetrain.training.spark.sharded;

import java.io.Serializable;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.sparsetrain.training.checkpoint.Manifest;

/**
 * A sharded checkpoint's manifest as its owners need it to read their shard files (shipped in task
 * closures): the folder, the layers and, per shard key {@code l·S + j}, its rows, non-zeros, size
 * and CRC32C.
 */
final class ShardTable implements Serializable {
  private static final long serialVersionUID = 1L;
  final String dir;
  final int perLayer;
  final int slots;
  final long maskVersion;
  final int[] in;
  final int[] out;
  final int[] layerNnz;
  final boolean[] sparse;
  final int[] r0;
  final int[] r1;
  final long[] nnz;
  final long[] bytes;
  final long[] crc;

  private ShardTable(Path dir, Manifest m) {
    this.dir = dir.toString();
    this.perLayer = m.shardsPerLayer();
    this.slots = m.optimizerSlots();
    this.maskVersion = m.maskVersion();
    List<Manifest.LayerInfo> layers = m.layers();
    in = new int[layers.size()];
    out = new int[layers.size()];
    layerNnz = new int[layers.size()];
    sparse = new boolean[layers.size()];
    for (Manifest.LayerInfo li : layers) {
      in[li.index()] = li.in();
      out[li.index()] = li.out();
      layerNnz[li.index()] = li.nnz();
      sparse[li.index()] = li.sparse();
    }
    int n = m.shards().size();
    r0 = new int[n];
    r1 = new int[n];
    nnz = new long[n];
    bytes = new long[n];
    crc = new long[n];
    for (int k = 0; k < n; k++) {
      Manifest.ShardInfo s = m.shards().get(k);
      Manifest.FileEntry f = m.files().get(s.file());
      r0[k] = s.r0();
      r1[k] = s.r1();
      nnz[k] = s.nnz();
      bytes[k] = f.bytes();
      crc[k] = f.crc32c();
    }
  }

  /** The table of a sharded checkpoint (shards in manifest order, so shard k has key k). */
  static ShardTable of(Path dir, Manifest m) {
    if (!m.sharded()) {
      throw new IllegalArgumentException(dir + " is not a sharded checkpoint");
    }
    return new ShardTable(dir, m);
  }

  int shards() {
    return r0.length;
  }

  int layer(int key) {
    return key / perLayer;
  }

  Manifest.ShardInfo shard(int key) {
    int l = layer(key);
    int j = key % perLayer;
    return new Manifest.ShardInfo(l, j, r0[key], r1[key], nnz[key],
        org.sparsetrain.training.checkpoint.CheckpointFormat.shardFile(l, j));
  }

  Manifest.LayerInfo layerInfo(int key) {
    int l = layer(key);
    return new Manifest.LayerInfo(l, in[l], out[l], sparse[l], layerNnz[l]);
  }

  Manifest.FileEntry file(int key) {
    return new Manifest.FileEntry(shard(key).file(), bytes[key], crc[key]);
  }

  /** Row cuts per layer, as {@link ShardedSparkTrainer} keeps them: {@code bounds[l][j]..bounds[l][j+1]}. */
  int[][] bounds() {
    int[][] b = new int[in.length][perLayer + 1];
    for (int k = 0; k < shards(); k++) {
      b[layer(k)][k % perLayer] = r0[k];
      b[layer(k)][k % perLayer + 1] = r1[k];
    }
    return b;
  }
}
