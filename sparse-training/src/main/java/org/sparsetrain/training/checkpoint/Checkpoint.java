package org.sparsetrain.training.checkpoint;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.checkpoint.ArrayFile.Kind;
import org.sparsetrain.training.checkpoint.ArrayFile.Written;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.DenseLinear;
import org.sparsetrain.training.nn.Fingerprint;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.SparseLinear;
import org.sparsetrain.training.optim.Optimizer;
import org.sparsetrain.training.optim.OptimizerState;

/**
 * Writes and reads one checkpoint (format {@link CheckpointFormat#FORMAT_VERSION}) through Hadoop
 * {@link FileSystem} only, so the same code serves {@code file://}, {@code hdfs://} and
 * {@code s3a://}. No Java serialization: binary arrays are {@link ArrayFile}s, the manifest is JSON
 * ({@link Manifest}). Most callers use {@link CheckpointStore}, which adds listing, fallback to the
 * newest good checkpoint and retention.
 */
public final class Checkpoint {
  private Checkpoint() {}

  /** Where a checkpoint was committed and how large it is. */
  public record Committed(Path dir, long step, long bytes, CommitProtocol protocol, Manifest manifest) {}

  /** Writes with {@link CommitProtocol#AUTO}. */
  public static Committed write(FileSystem fs, Path checkpointsDir, TrainingState state, CheckpointMeta meta) throws IOException {
    return write(fs, checkpointsDir, state, meta, CommitProtocol.AUTO);
  }

  /**
   * Writes {@code state} as {@code checkpointsDir/step-NNNNNNNNN/}: data files first, the manifest
   * last, committed by rename or by the manifest (see {@link CommitProtocol}). The state must not be
   * changed by another thread meanwhile. Re-committing an existing step replaces it.
   */
  public static Committed write(FileSystem fs, Path checkpointsDir, TrainingState state, CheckpointMeta meta,
                                CommitProtocol protocol) throws IOException {
    return commit(fs, checkpointsDir, state.step(), protocol, target -> {
      List<Written> written = new ArrayList<>();
      Network net = state.network();
      OptimizerState opt = state.optimizer();
      for (int l = 0; l < net.layerCount(); l++) {
        Layer layer = net.layer(l);
        if (layer.isSparse()) {
          written.add(ArrayFile.writeInts(fs, new Path(target, CheckpointFormat.rowPtrFile(l)), layer.rowPtr()));
          written.add(ArrayFile.writeInts(fs, new Path(target, CheckpointFormat.colIdxFile(l)), layer.colIdx()));
        }
        written.add(ArrayFile.writeFloats(fs, new Path(target, CheckpointFormat.valuesFile(l)), layer.values()));
        written.add(ArrayFile.writeFloats(fs, new Path(target, CheckpointFormat.biasFile(l)), layer.bias()));
        for (int s = 0; s < opt.slots(); s++) {
          float[] w = opt.weightSlot(l, s);
          float[] b = opt.biasSlot(l, s);
          if (w.length != layer.nnz() || b.length != layer.outFeatures()) {
            throw new IllegalStateException("optimizer slot " + s + " of layer " + l + " holds " + w.length + "/" + b.length
                + " entries for " + layer.nnz() + " weights/" + layer.outFeatures() + " biases");
          }
          written.add(ArrayFile.writeFloats(fs, new Path(target, CheckpointFormat.slotValuesFile(l, s)), w));
          written.add(ArrayFile.writeFloats(fs, new Path(target, CheckpointFormat.slotBiasFile(l, s)), b));
        }
      }
      ObjectNode body = manifestBody(DriverState.of(state), CheckpointFormat.LAYOUT_FULL, meta);
      ArrayNode files = body.putArray("files");
      for (Written w : written) {
        files.addObject().put("name", w.name()).put("bytes", w.bytes()).put("crc32c", ArrayFile.hex(w.crc32c()));
      }
      return body;
    });
  }

  /** Who wrote a shard file: the Spark task (partition, attempt, stage, executor id), or null for this JVM. */
  public record WrittenBy(int partition, int attempt, int stage, String executor) {}

  /** One shard file as its writer reports it. */
  public record ShardWritten(Manifest.ShardInfo shard, ShardFile.Written file, WrittenBy by) {}

  /**
   * Writes every shard file of a sharded checkpoint into {@code folder} (in parallel, where the
   * shards live) and reports each; runs before the manifest is written.
   */
  @FunctionalInterface
  public interface ShardWriter {
    List<ShardWritten> writeInto(Path folder) throws IOException;
  }

  /**
   * Writes a sharded checkpoint of step {@code state.step()}: {@code shards} writes one
   * {@link ShardFile} per shard into the checkpoint's folder, then this writes the manifest
   * (format version 2, layout {@code sharded}) listing every shard file with its size and CRC32C
   * and the driver's state, last, and commits as {@link #write} does. The reported shards must
   * cut every layer of {@code state} into the same number of contiguous row ranges.
   */
  public static Committed writeSharded(FileSystem fs, Path checkpointsDir, DriverState state, CheckpointMeta meta,
                                       CommitProtocol protocol, ShardWriter shards) throws IOException {
    return commit(fs, checkpointsDir, state.step(), protocol, target -> {
      List<ShardWritten> written = new ArrayList<>(shards.writeInto(target));
      checkVisible(fs, target, written);
      written.sort(java.util.Comparator.comparingInt((ShardWritten w) -> w.shard().layer())
          .thenComparingInt(w -> w.shard().index()));
      ObjectNode body = manifestBody(state, CheckpointFormat.LAYOUT_SHARDED, meta);
      ArrayNode list = body.putArray("shards");
      ArrayNode files = body.putArray("files");
      for (ShardWritten w : written) {
        Manifest.ShardInfo s = w.shard();
        list.addObject().put("layer", s.layer()).put("index", s.index()).put("r0", s.r0()).put("r1", s.r1())
            .put("nnz", s.nnz()).put("file", s.file());
        ObjectNode f = files.addObject().put("name", s.file()).put("bytes", w.file().bytes())
            .put("crc32c", ArrayFile.hex(w.file().crc32c()));
        if (w.by() != null) {
          f.putObject("written_by").put("partition", w.by().partition()).put("attempt", w.by().attempt())
              .put("stage", w.by().stage()).put("executor", w.by().executor());
        }
      }
      // the manifest must describe a checkpoint its readers accept: check before committing
      Manifest m = Manifest.parse(Manifest.encode(body));
      checkFileStructure(m);
      return body;
    });
  }

  /**
   * Every shard file the writers reported is in {@code target} with its size, as this JVM sees it:
   * else the executors wrote somewhere the driver cannot read (a local path on a cluster of
   * several machines) and the checkpoint must not be committed.
   */
  private static void checkVisible(FileSystem fs, Path target, List<ShardWritten> written) throws IOException {
    Map<String, Long> seen = new HashMap<>();
    for (FileStatus st : fs.listStatus(target)) {
      seen.put(st.getPath().getName(), st.getLen());
    }
    for (ShardWritten w : written) {
      Long len = seen.get(w.shard().file());
      if (len == null || len != w.file().bytes()) {
        throw new IOException(w.shard().file() + " was written by " + (w.by() == null ? "this JVM" : "executor "
            + w.by().executor()) + " (" + w.file().bytes() + " bytes) but the driver sees "
            + (len == null ? "no such file" : len + " bytes") + " in " + target
            + ": checkpoints of a sharded run need a filesystem every executor and the driver share (hdfs://, s3a://,"
            + " or a shared mount)");
      }
    }
  }

  /** Writes the data files of a checkpoint into the folder it is given and returns the manifest body. */
  @FunctionalInterface
  private interface Contents {
    ObjectNode writeInto(Path target) throws IOException;
  }

  /** The commit protocol around {@code contents}: a fresh folder, data files, manifest last, rename when so. */
  private static Committed commit(FileSystem fs, Path checkpointsDir, long step, CommitProtocol protocol, Contents contents)
      throws IOException {
    fs.mkdirs(checkpointsDir);
    CommitProtocol p = protocol.resolve(fs, checkpointsDir);
    String name = CheckpointFormat.stepDirName(step);
    Path fin = new Path(checkpointsDir, name);
    Path target;
    if (p == CommitProtocol.RENAME) {
      target = new Path(checkpointsDir, CheckpointFormat.TMP_PREFIX + name);
      fs.delete(target, true);
      fs.mkdirs(target);
    } else {
      target = fin;
      // uncommit first: a reader must never pair the old manifest with new data files
      fs.delete(new Path(fin, CheckpointFormat.MANIFEST), false);
    }
    ObjectNode body = contents.writeInto(fs.makeQualified(target));
    Manifest.write(fs, new Path(target, CheckpointFormat.MANIFEST), body);
    if (p == CommitProtocol.RENAME) {
      renameIntoPlace(fs, target, fin, checkpointsDir, name);
    }
    Manifest m = Manifest.parse(Manifest.encode(body));
    long bytes = 0;
    for (Manifest.FileEntry f : m.files().values()) {
      bytes += f.bytes();
    }
    return new Committed(fin, step, bytes, p, m);
  }

  private static ObjectNode manifestBody(DriverState state, String layout, CheckpointMeta meta) {
    ObjectNode m = Manifest.JSON.createObjectNode();
    m.put("format", CheckpointFormat.FORMAT_NAME);
    m.put("format_version", CheckpointFormat.versionOf(layout));
    if (!layout.equals(CheckpointFormat.LAYOUT_FULL)) {
      m.put("layout", layout);
    }
    m.put("step", state.step());
    m.put("epoch", meta.epoch());
    m.put("total_steps", state.totalSteps());
    m.put("mask_version", state.maskVersion());
    m.put("seed", state.seed());
    m.putObject("data_cursor").put("sampler", "batch_sampler").put("step", state.step());
    m.put("method", state.method());
    m.put("fingerprint", state.fingerprint());
    ObjectNode model = m.putObject("model");
    model.set("sizes", Manifest.intsNode(state.sizes()));
    model.put("activation", state.activation().key());
    model.put("loss", state.loss().name().toLowerCase(java.util.Locale.ROOT));
    ArrayNode layers = model.putArray("layers");
    for (Manifest.LayerInfo li : state.layers()) {
      layers.addObject().put("index", li.index()).put("in", li.in()).put("out", li.out()).put("sparse", li.sparse())
          .put("nnz", li.nnz());
    }
    m.putObject("optimizer")
        .put("kind", state.optimizer().getClass().getSimpleName())
        .put("describe", state.optimizer().describe())
        .put("slots", state.optimizer().slots())
        .put("step", state.optimizerStep());
    String config = Secrets.redactConfigText(meta.config());
    if (config == null) {
      m.putNull("config");
    } else {
      m.put("config", config);
    }
    m.set("extra", Secrets.redactJson(meta.extra()));
    m.put("written_by", "sparsetrain");
    m.put("written_at", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    return m;
  }

  /**
   * Renames the complete {@code _tmp-step-…} folder to {@code step-…}. {@link FileContext#rename}
   * fails instead of nesting when the target exists (where {@link FileSystem#rename} would move the
   * folder <em>into</em> it on HDFS); an existing step folder is first moved aside and removed after.
   */
  private static void renameIntoPlace(FileSystem fs, Path tmp, Path fin, Path dir, String name) throws IOException {
    FileContext fc = FileContext.getFileContext(fs.getUri(), fs.getConf());
    Path aside = null;
    if (fs.exists(fin)) {
      aside = new Path(dir, CheckpointFormat.OLD_PREFIX + name + "-" + System.nanoTime());
      fc.rename(fs.makeQualified(fin), fs.makeQualified(aside), Options.Rename.NONE);
    }
    fc.rename(fs.makeQualified(tmp), fs.makeQualified(fin), Options.Rename.NONE);
    if (aside != null) {
      fs.delete(aside, true);
    }
  }

  /**
   * Checks a committed checkpoint without loading it: the manifest parses and its own checksum
   * matches, and every listed file exists with the recorded size and CRC32C. Returns the manifest;
   * throws {@link CheckpointException} naming the first problem.
   */
  public static Manifest verify(FileSystem fs, Path stepDir) throws IOException {
    Manifest m = Manifest.read(fs, stepDir);
    checkFileStructure(m);
    checkSizes(fs, stepDir, m);
    for (Manifest.FileEntry f : m.files().values()) {
      long crc = ArrayFile.crcOf(fs, new Path(stepDir, f.name()));
      if (crc != f.crc32c()) {
        throw new CheckpointException(f.name() + " crc32c " + ArrayFile.hex(crc) + " != manifest " + ArrayFile.hex(f.crc32c()) + " (corrupt)");
      }
    }
    return m;
  }

  /**
   * The cheap part of {@link #verify}: manifest, file list and sizes (a listing), no data read.
   * Catches truncated and missing files, not flipped bytes.
   */
  public static Manifest verifySizes(FileSystem fs, Path stepDir) throws IOException {
    Manifest m = Manifest.read(fs, stepDir);
    checkFileStructure(m);
    checkSizes(fs, stepDir, m);
    return m;
  }

  /** Every file the layers need is listed, and nothing else. */
  private static void checkFileStructure(Manifest m) throws CheckpointException {
    Map<String, Long> expected = m.sharded() ? shardFileSizes(m) : layerFileSizes(m);
    for (Map.Entry<String, Long> e : expected.entrySet()) {
      Manifest.FileEntry f = m.files().get(e.getKey());
      if (f == null) {
        throw new CheckpointException("manifest.json does not list " + e.getKey() + ", which its model needs");
      }
      if (f.bytes() != e.getValue()) {
        throw new CheckpointException("manifest.json records " + f.bytes() + " bytes for " + f.name() + " but its model needs " + e.getValue());
      }
    }
    for (String name : m.files().keySet()) {
      if (!expected.containsKey(name)) {
        throw new CheckpointException("manifest.json lists " + name + ", which is not part of format " + m.formatVersion());
      }
    }
  }

  /** Layout full: every array of every layer and optimizer slot. */
  private static Map<String, Long> layerFileSizes(Manifest m) {
    Map<String, Long> expected = new HashMap<>();
    for (Manifest.LayerInfo li : m.layers()) {
      int l = li.index();
      if (li.sparse()) {
        expected.put(CheckpointFormat.rowPtrFile(l), ArrayFile.sizeFor(li.out() + 1L));
        expected.put(CheckpointFormat.colIdxFile(l), ArrayFile.sizeFor(li.nnz()));
      }
      expected.put(CheckpointFormat.valuesFile(l), ArrayFile.sizeFor(li.nnz()));
      expected.put(CheckpointFormat.biasFile(l), ArrayFile.sizeFor(li.out()));
      for (int s = 0; s < m.optimizerSlots(); s++) {
        expected.put(CheckpointFormat.slotValuesFile(l, s), ArrayFile.sizeFor(li.nnz()));
        expected.put(CheckpointFormat.slotBiasFile(l, s), ArrayFile.sizeFor(li.out()));
      }
    }
    return expected;
  }

  /** Layout sharded: one shard file per shard. */
  private static Map<String, Long> shardFileSizes(Manifest m) {
    Map<String, Long> expected = new HashMap<>();
    for (Manifest.ShardInfo s : m.shards()) {
      Manifest.LayerInfo li = m.layers().get(s.layer());
      expected.put(s.file(), ShardFile.sizeFor(li.sparse(), s.r1() - s.r0(), s.nnz(), m.optimizerSlots()));
    }
    return expected;
  }

  private static void checkSizes(FileSystem fs, Path stepDir, Manifest m) throws IOException {
    Map<String, Long> actual = new HashMap<>();
    try {
      for (FileStatus st : fs.listStatus(stepDir)) {
        if (st.isFile()) {
          actual.put(st.getPath().getName(), st.getLen());
        }
      }
    } catch (FileNotFoundException e) {
      throw new CheckpointException("folder is gone");
    }
    for (Manifest.FileEntry f : m.files().values()) {
      Long len = actual.get(f.name());
      if (len == null) {
        throw new CheckpointException(f.name() + " is listed in manifest.json but missing");
      }
      if (len != f.bytes()) {
        throw new CheckpointException(f.name() + " size " + len + " != manifest " + f.bytes()
            + (len < f.bytes() ? " (truncated)" : " (too long)"));
      }
    }
  }

  /**
   * Loads a committed checkpoint: verifies the manifest, every file's size and CRC32C, the CSR
   * structure and finally the model fingerprint, then rebuilds the network and the optimizer state.
   *
   * @param optimizer the run's optimizer (hyper-parameters are not stored as objects); its kind and
   *     slot count must match the checkpoint's, else {@link IncompatibleCheckpointException}
   */
  public static RestoredCheckpoint read(FileSystem fs, Path stepDir, Optimizer optimizer) throws IOException {
    Manifest m = Manifest.read(fs, stepDir);
    checkFileStructure(m);
    checkOptimizer(m, optimizer);
    checkSizes(fs, stepDir, m);
    Activation act;
    org.sparsetrain.training.nn.Loss loss;
    try {
      act = Activation.parse(m.activation());
      loss = Loss.parse(m.loss());
    } catch (IllegalArgumentException e) {
      throw new CheckpointException("manifest.json: " + e.getMessage());
    }
    List<Layer> layers = new ArrayList<>();
    float[][][] wSlots = new float[m.layers().size()][][];
    float[][][] bSlots = new float[m.layers().size()][][];
    if (m.sharded()) {
      assemble(fs, stepDir, m, layers, wSlots, bSlots);
    } else {
      readLayers(fs, stepDir, m, layers, wSlots, bSlots);
    }
    Network net = new Network(layers, act, loss);
    String fp = Fingerprint.of(net);
    if (!m.fingerprint().isEmpty() && !fp.equals(m.fingerprint())) {
      throw new CheckpointException("restored model fingerprint " + fp + " != manifest " + m.fingerprint());
    }
    OptimizerState state = optimizer == null ? null : OptimizerState.restore(optimizer, wSlots, bSlots, m.optimizerStep());
    return new RestoredCheckpoint(stepDir, m, net, state);
  }

  /** The layers of a layout-full checkpoint: one file per array. */
  private static void readLayers(FileSystem fs, Path stepDir, Manifest m, List<Layer> layers, float[][][] wSlots,
                                 float[][][] bSlots) throws IOException {
    for (Manifest.LayerInfo li : m.layers()) {
      int l = li.index();
      float[] values = floats(fs, stepDir, m, CheckpointFormat.valuesFile(l), li.nnz());
      float[] bias = floats(fs, stepDir, m, CheckpointFormat.biasFile(l), li.out());
      try {
        if (li.sparse()) {
          int[] rowPtr = ints(fs, stepDir, m, CheckpointFormat.rowPtrFile(l), li.out() + 1L);
          int[] colIdx = ints(fs, stepDir, m, CheckpointFormat.colIdxFile(l), li.nnz());
          layers.add(new SparseLinear(li.in(), li.out(), rowPtr, colIdx, values, bias));
        } else {
          layers.add(new DenseLinear(li.in(), li.out(), values, bias));
        }
      } catch (IllegalArgumentException e) {
        throw new CheckpointException("layer " + l + " structure is invalid: " + e.getMessage());
      }
      int slots = m.optimizerSlots();
      wSlots[l] = new float[slots][];
      bSlots[l] = new float[slots][];
      for (int s = 0; s < slots; s++) {
        wSlots[l][s] = floats(fs, stepDir, m, CheckpointFormat.slotValuesFile(l, s), li.nnz());
        bSlots[l][s] = floats(fs, stepDir, m, CheckpointFormat.slotBiasFile(l, s), li.out());
      }
    }
  }

  /**
   * The whole model of a sharded checkpoint in this JVM (for evaluation, export, or resuming in
   * another mode): every shard file read and verified, its rows placed at their offsets.
   */
  private static void assemble(FileSystem fs, Path stepDir, Manifest m, List<Layer> layers, float[][][] wSlots,
                               float[][][] bSlots) throws IOException {
    int slots = m.optimizerSlots();
    int perLayer = m.shardsPerLayer();
    for (Manifest.LayerInfo li : m.layers()) {
      int l = li.index();
      int[] rowPtr = li.sparse() ? new int[li.out() + 1] : null;
      int[] colIdx = li.sparse() ? new int[li.nnz()] : null;
      float[] values = new float[li.nnz()];
      float[] bias = new float[li.out()];
      wSlots[l] = new float[slots][li.nnz()];
      bSlots[l] = new float[slots][li.out()];
      int k0 = 0;
      for (Manifest.ShardInfo s : m.shards().subList(l * perLayer, (l + 1) * perLayer)) {
        ShardFile.Content c = ShardFile.read(fs, stepDir, s, li, slots, m.files().get(s.file()));
        if (rowPtr != null) {
          for (int r = 0; r < c.rows(); r++) {
            rowPtr[s.r0() + r] = k0 + c.rowPtr()[r];
          }
          System.arraycopy(c.colIdx(), 0, colIdx, k0, c.colIdx().length);
        }
        System.arraycopy(c.values(), 0, values, k0, c.values().length);
        System.arraycopy(c.bias(), 0, bias, s.r0(), c.rows());
        for (int q = 0; q < slots; q++) {
          System.arraycopy(c.slots()[q], 0, wSlots[l][q], k0, c.values().length);
          System.arraycopy(c.biasSlots()[q], 0, bSlots[l][q], s.r0(), c.rows());
        }
        k0 += c.values().length;
      }
      try {
        if (rowPtr != null) {
          rowPtr[li.out()] = k0;
          layers.add(new SparseLinear(li.in(), li.out(), rowPtr, colIdx, values, bias));
        } else {
          layers.add(new DenseLinear(li.in(), li.out(), values, bias));
        }
      } catch (IllegalArgumentException e) {
        throw new CheckpointException("layer " + l + " structure is invalid: " + e.getMessage());
      }
    }
  }

  /** The checkpoint's optimizer must have the run's kind and slot count; null skips the check. */
  static void checkOptimizer(Manifest m, Optimizer optimizer) throws IncompatibleCheckpointException {
    if (optimizer == null) {
      return;
    }
    String kind = optimizer.getClass().getSimpleName();
    if (!kind.equals(m.optimizerKind()) || optimizer.slots() != m.optimizerSlots()) {
      throw new IncompatibleCheckpointException("checkpoint optimizer is " + m.optimizerDescription() + " with "
          + m.optimizerSlots() + " state slot(s) but the config says " + optimizer.describe() + " with " + optimizer.slots());
    }
  }

  private static float[] floats(FileSystem fs, Path dir, Manifest m, String name, long n) throws IOException {
    return (float[]) ArrayFile.read(fs, new Path(dir, name), Kind.FLOAT32, n, m.files().get(name).crc32c(), name);
  }

  private static int[] ints(FileSystem fs, Path dir, Manifest m, String name, long n) throws IOException {
    return (int[]) ArrayFile.read(fs, new Path(dir, name), Kind.INT32, n, m.files().get(name).crc32c(), name);
  }
}
