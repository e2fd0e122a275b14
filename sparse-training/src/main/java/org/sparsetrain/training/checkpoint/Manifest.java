package org.sparsetrain.training.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The manifest of one checkpoint, {@code manifest.json}, written last: its presence is the commit.
 * Format version 1 (all integers exact, names snake_case):
 * <pre>
 * {"manifest_crc32c":"1a2b3c4d",            CRC32C of every byte after this first member
 *  "format":"sparsetrain-checkpoint", "format_version":1,
 *  "step":1200, "epoch":2, "total_steps":4680, "mask_version":12, "seed":42,
 *  "data_cursor":{"sampler":"batch_sampler","step":1200},   batch t is a pure function of (seed, epoch, t)
 *  "method":"rigl", "fingerprint":"…",      Fingerprint.of(network) at this step
 *  "model":{"sizes":[784,300,10], "activation":"relu", "loss":"softmax_cross_entropy",
 *           "layers":[{"index":0,"in":784,"out":300,"sparse":true,"nnz":23520}, …]},
 *  "optimizer":{"kind":"Adam", "describe":"adam(beta1=0.9, …)", "slots":2, "step":1200},
 *  "config":"model:\n  layers: …",          resolved config text, secrets redacted
 *  "extra":{…},                              caller's object (metrics, schedule state, soups)
 *  "files":[{"name":"values.l0.bin","bytes":94096,"crc32c":"…"}, …],
 *  "written_by":"sparsetrain", "written_at":"2026-11-22T05:00:00Z"}
 * </pre>
 * Format version 2 adds {@code "layout"}: {@code "full"} as above, or {@code "sharded"}, where
 * the data files are one {@link ShardFile} per shard, written by the shards' owners in parallel:
 * <pre>
 *  "layout":"sharded", "fingerprint":"",     (no single JVM saw the whole model)
 *  "shards":[{"layer":0,"index":0,"r0":0,"r1":150,"nnz":11760,"file":"shard.l0.s0.bin"}, …],
 *  "files":[{"name":"shard.l0.s0.bin","bytes":…,"crc32c":"…",
 *            "written_by":{"partition":0,"attempt":0,"stage":42,"executor":"1"}}, …]
 * </pre>
 * Version 1 manifests (no layout) are read as layout {@code full}; writers still write version 1
 * for that layout, so older readers keep reading driver-mode checkpoints.
 * The manifest checksum makes a flipped byte in the manifest itself detectable: the file starts
 * with exactly {@code {"manifest_crc32c":"xxxxxxxx",} and the CRC covers the rest of the bytes.
 */
public final class Manifest {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final String PREFIX_HEAD = "{\"manifest_crc32c\":\"";
  private static final int PREFIX_BYTES = PREFIX_HEAD.length() + 8 + 2; // 8 hex digits, then '",'

  /** One layer as recorded. */
  public record LayerInfo(int index, int in, int out, boolean sparse, int nnz) {}

  /** One data file as recorded. */
  public record FileEntry(String name, long bytes, long crc32c) {}

  /** One shard of a sharded checkpoint: rows [r0, r1) of a layer, {@code nnz} stored weights, in {@code file}. */
  public record ShardInfo(int layer, int index, int r0, int r1, long nnz, String file) {}

  private final ObjectNode root;
  private final List<LayerInfo> layers;
  private final Map<String, FileEntry> files;
  private final List<ShardInfo> shards;
  private final long manifestCrc;

  private Manifest(ObjectNode root, long manifestCrc) throws CheckpointException {
    this.root = root;
    this.manifestCrc = manifestCrc;
    String format = root.path("format").asText("");
    if (!CheckpointFormat.FORMAT_NAME.equals(format)) {
      throw new CheckpointException("manifest.json is not a sparsetrain checkpoint manifest (format '" + format + "')");
    }
    int version = requireInt(root, "format_version");
    if (version < 1 || version > CheckpointFormat.FORMAT_VERSION) {
      throw new CheckpointException("manifest.json has format_version " + version + "; this reader knows 1.."
          + CheckpointFormat.FORMAT_VERSION + " (written by a newer sparsetrain?)");
    }
    for (String f : new String[] {"step", "epoch", "total_steps", "mask_version", "seed"}) {
      requireLong(root, f);
    }
    JsonNode model = root.path("model");
    List<LayerInfo> ls = new ArrayList<>();
    for (JsonNode l : model.path("layers")) {
      ls.add(new LayerInfo(requireInt(l, "index"), requireInt(l, "in"), requireInt(l, "out"),
          requireBool(l, "sparse"), requireInt(l, "nnz")));
    }
    int[] sizes = intArray(model.path("sizes"));
    if (ls.isEmpty() || sizes.length != ls.size() + 1) {
      throw new CheckpointException("manifest.json: model.sizes " + Arrays.toString(sizes) + " does not match " + ls.size() + " layers");
    }
    for (int i = 0; i < ls.size(); i++) {
      LayerInfo li = ls.get(i);
      if (li.index() != i || li.in() != sizes[i] || li.out() != sizes[i + 1] || li.nnz() < 0
          || li.nnz() > (long) li.in() * li.out() || (!li.sparse() && li.nnz() != li.in() * li.out())) {
        throw new CheckpointException("manifest.json: layer " + i + " " + li + " is inconsistent with model.sizes " + Arrays.toString(sizes));
      }
    }
    this.layers = Collections.unmodifiableList(ls);
    requireInt(root.path("optimizer"), "slots");
    requireLong(root.path("optimizer"), "step");
    Map<String, FileEntry> fs = new LinkedHashMap<>();
    for (JsonNode f : root.path("files")) {
      String name = f.path("name").asText("");
      if (name.isEmpty() || name.contains("/") || name.startsWith(".") || name.equals(CheckpointFormat.MANIFEST)) {
        throw new CheckpointException("manifest.json lists an invalid file name '" + name + "'");
      }
      long crc;
      try {
        crc = Long.parseLong(f.path("crc32c").asText(""), 16);
      } catch (NumberFormatException e) {
        throw new CheckpointException("manifest.json: file " + name + " has no valid crc32c");
      }
      if (fs.put(name, new FileEntry(name, requireLong(f, "bytes"), crc)) != null) {
        throw new CheckpointException("manifest.json lists " + name + " twice");
      }
    }
    this.files = Collections.unmodifiableMap(fs);
    this.shards = parseShards(root, version, ls);
  }

  /**
   * Version 1 has no {@code layout} (the whole model in per-layer files); version 2 names it:
   * {@code full} or {@code sharded}, the latter with a {@code shards} list that cuts every layer
   * into the same number of contiguous row ranges whose non-zeros add up to the layer's.
   */
  private static List<ShardInfo> parseShards(ObjectNode root, int version, List<LayerInfo> layers) throws CheckpointException {
    String layout = root.path("layout").asText(CheckpointFormat.LAYOUT_FULL);
    if (version >= 2 && !root.path("layout").isTextual()) {
      throw new CheckpointException("manifest.json: format_version " + version + " needs a 'layout'");
    }
    if (layout.equals(CheckpointFormat.LAYOUT_FULL)) {
      if (root.has("shards")) {
        throw new CheckpointException("manifest.json: layout full lists shards");
      }
      return List.of();
    }
    if (!layout.equals(CheckpointFormat.LAYOUT_SHARDED) || version < 2) {
      throw new CheckpointException("manifest.json: unknown layout '" + layout + "' for format_version " + version);
    }
    List<ShardInfo> out = new ArrayList<>();
    for (JsonNode n : root.path("shards")) {
      out.add(new ShardInfo(requireInt(n, "layer"), requireInt(n, "index"), requireInt(n, "r0"), requireInt(n, "r1"),
          requireLong(n, "nnz"), n.path("file").asText("")));
    }
    int perLayer = out.size() / layers.size();
    if (out.isEmpty() || perLayer * layers.size() != out.size()) {
      throw new CheckpointException("manifest.json: " + out.size() + " shards do not cut " + layers.size()
          + " layers into equally many");
    }
    for (int i = 0; i < out.size(); i++) {
      ShardInfo s = out.get(i);
      LayerInfo li = layers.get(i / perLayer);
      int j = i % perLayer;
      int r0 = j == 0 ? 0 : out.get(i - 1).r1();
      long rows = s.r1() - (long) s.r0();
      if (s.layer() != li.index() || s.index() != j || s.r0() != r0 || s.r1() < s.r0()
          || (j == perLayer - 1 && s.r1() != li.out()) || s.nnz() < 0 || s.nnz() > rows * li.in()
          || (!li.sparse() && s.nnz() != rows * li.in()) || !s.file().equals(CheckpointFormat.shardFile(s.layer(), j))) {
        throw new CheckpointException("manifest.json: shard " + s + " does not continue layer " + li.index()
            + " (" + perLayer + " shards of rows 0.." + li.out() + ")");
      }
    }
    for (LayerInfo li : layers) {
      long nnz = 0;
      for (ShardInfo s : out.subList(li.index() * perLayer, (li.index() + 1) * perLayer)) {
        nnz += s.nnz();
      }
      if (nnz != li.nnz()) {
        throw new CheckpointException("manifest.json: the shards of layer " + li.index() + " hold " + nnz
            + " weights, the layer " + li.nnz());
      }
    }
    return Collections.unmodifiableList(out);
  }

  // ---------------------------------------------------------------- accessors

  public int formatVersion() { return root.get("format_version").asInt(); }
  public long step() { return root.get("step").asLong(); }
  public long epoch() { return root.get("epoch").asLong(); }
  public long totalSteps() { return root.get("total_steps").asLong(); }
  public long maskVersion() { return root.get("mask_version").asLong(); }
  public long seed() { return root.get("seed").asLong(); }
  /** The completed step: the batch sampler resumes at step {@code dataCursor() + 1}. */
  public long dataCursor() { return root.path("data_cursor").path("step").asLong(step()); }
  public String method() { return root.path("method").asText(""); }
  public String fingerprint() { return root.path("fingerprint").asText(""); }
  public int[] sizes() { return intArray(root.path("model").path("sizes")); }
  public String activation() { return root.path("model").path("activation").asText(""); }
  public String loss() { return root.path("model").path("loss").asText(""); }
  public List<LayerInfo> layers() { return layers; }
  public String optimizerKind() { return root.path("optimizer").path("kind").asText(""); }
  public String optimizerDescription() { return root.path("optimizer").path("describe").asText(""); }
  public int optimizerSlots() { return root.path("optimizer").path("slots").asInt(); }
  public long optimizerStep() { return root.path("optimizer").path("step").asLong(); }
  /** The resolved config text as written (redacted), or null. */
  public String config() { return root.path("config").isTextual() ? root.get("config").asText() : null; }
  /** A copy of the caller's {@code extra} object. */
  public ObjectNode extra() {
    JsonNode e = root.path("extra");
    return e.isObject() ? ((ObjectNode) e).deepCopy() : JSON.createObjectNode();
  }
  public Map<String, FileEntry> files() { return files; }
  /** {@code full} (one file per array of the whole model) or {@code sharded} (one file per shard). */
  public String layout() { return shards.isEmpty() ? CheckpointFormat.LAYOUT_FULL : CheckpointFormat.LAYOUT_SHARDED; }
  public boolean sharded() { return !shards.isEmpty(); }
  /** The shards of a sharded checkpoint, layer by layer, each layer's in row order; empty for layout full. */
  public List<ShardInfo> shards() { return shards; }
  /** Shards per layer (0 for layout full). */
  public int shardsPerLayer() { return shards.size() / layers.size(); }
  /** CRC32C of the manifest body: identifies this commit. */
  public long manifestCrc() { return manifestCrc; }
  /** A copy of the whole manifest. */
  public ObjectNode json() { return root.deepCopy(); }

  /** A numeric value in {@code extra} by dotted path ({@code val.accuracy}), or NaN when absent. */
  public double extraMetric(String dottedPath) {
    JsonNode n = root.path("extra");
    for (String p : dottedPath.split("\\.")) {
      n = n.path(p);
    }
    return n.isNumber() ? n.asDouble() : Double.NaN;
  }

  // ---------------------------------------------------------------- write / read

  /** Serialises {@code body} (without the checksum member) to the committed byte form. */
  static byte[] encode(ObjectNode body) throws JsonProcessingException {
    ObjectNode b = body.deepCopy();
    b.remove("manifest_crc32c");
    byte[] json = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(b);
    // json starts with '{'; the checksum member takes its place as the first member
    int start = 1;
    while (start < json.length && Character.isWhitespace(json[start])) {
      start++;
    }
    byte[] rest = Arrays.copyOfRange(json, start, json.length);
    boolean empty = rest.length > 0 && rest[0] == '}';
    CRC32C crc = new CRC32C();
    byte[] sep = empty ? new byte[0] : "\n  ".getBytes(StandardCharsets.US_ASCII);
    crc.update(sep);
    crc.update(rest);
    String head = PREFIX_HEAD + ArrayFile.hex(crc.getValue()) + (empty ? "\"" : "\",");
    ByteArrayOutputStream out = new ByteArrayOutputStream(json.length + head.length() + 4);
    out.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(sep);
    out.writeBytes(rest);
    out.write('\n');
    return out.toByteArray();
  }

  static void write(FileSystem fs, Path file, ObjectNode body) throws IOException {
    byte[] bytes = encode(body);
    try (FSDataOutputStream out = fs.create(file, true)) {
      out.write(bytes);
    }
  }

  /** Reads and checks {@code dir/manifest.json}. */
  public static Manifest read(FileSystem fs, Path dir) throws IOException {
    Path file = new Path(dir, CheckpointFormat.MANIFEST);
    byte[] bytes;
    try (InputStream in = fs.open(file)) {
      bytes = in.readAllBytes();
    } catch (FileNotFoundException e) {
      throw new CheckpointException("no manifest.json (never committed, or still being written)");
    }
    return parse(bytes);
  }

  static Manifest parse(byte[] bytes) throws CheckpointException {
    String head = new String(bytes, 0, Math.min(bytes.length, PREFIX_BYTES), StandardCharsets.US_ASCII);
    if (bytes.length < PREFIX_BYTES || !head.startsWith(PREFIX_HEAD) || head.charAt(PREFIX_HEAD.length() + 8) != '"') {
      throw new CheckpointException("manifest.json does not start with its manifest_crc32c member (" + bytes.length + " bytes)");
    }
    long expected;
    try {
      expected = Long.parseLong(head.substring(PREFIX_HEAD.length(), PREFIX_HEAD.length() + 8), 16);
    } catch (NumberFormatException e) {
      throw new CheckpointException("manifest.json has an unreadable manifest_crc32c");
    }
    int bodyStart = PREFIX_HEAD.length() + 9;
    if (bodyStart < bytes.length && bytes[bodyStart] == ',') {
      bodyStart++;
    }
    CRC32C crc = new CRC32C();
    // the checksum covers the bytes after the member, excluding the final newline
    int end = bytes.length;
    if (end > bodyStart && bytes[end - 1] == '\n') {
      end--;
    }
    crc.update(bytes, bodyStart, end - bodyStart);
    if (crc.getValue() != expected) {
      throw new CheckpointException("manifest.json crc32c " + ArrayFile.hex(crc.getValue()) + " != recorded "
          + ArrayFile.hex(expected) + " (corrupt or edited)");
    }
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new CheckpointException("manifest.json does not parse: " + e.getMessage(), e);
    }
    if (!(root instanceof ObjectNode o)) {
      throw new CheckpointException("manifest.json is not a JSON object");
    }
    return new Manifest(o, expected);
  }

  // ---------------------------------------------------------------- helpers

  static ArrayNode intsNode(int[] a) {
    ArrayNode n = JSON.createArrayNode();
    for (int v : a) {
      n.add(v);
    }
    return n;
  }

  private static int[] intArray(JsonNode n) {
    int[] a = new int[n.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = n.get(i).asInt();
    }
    return a;
  }

  private static long requireLong(JsonNode n, String field) throws CheckpointException {
    JsonNode v = n.get(field);
    if (v == null || !v.isIntegralNumber()) {
      throw new CheckpointException("manifest.json: missing or non-integer '" + field + "'");
    }
    return v.asLong();
  }

  private static int requireInt(JsonNode n, String field) throws CheckpointException {
    JsonNode v = n.get(field);
    if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
      throw new CheckpointException("manifest.json: missing or non-integer '" + field + "'");
    }
    return v.asInt();
  }

  private static boolean requireBool(JsonNode n, String field) throws CheckpointException {
    JsonNode v = n.get(field);
    if (v == null || !v.isBoolean()) {
      throw new CheckpointException("manifest.json: missing or non-boolean '" + field + "'");
    }
    return v.asBoolean();
  }
}
