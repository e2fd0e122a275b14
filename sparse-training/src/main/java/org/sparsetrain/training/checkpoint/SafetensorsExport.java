package org.sparsetrain.training.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.DenseLinear;
import org.sparsetrain.training.nn.Fingerprint;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.SparseLinear;

/**
 * Exports a trained network as <a href="https://github.com/huggingface/safetensors">safetensors</a>:
 * an 8-byte little-endian header length N, N bytes of JSON header (padded with spaces to a multiple
 * of 8), then the raw little-endian tensor data. Per layer l (PyTorch {@code nn.Linear} layout):
 * <ul>
 *   <li>{@code layers.l.weight}: F32 [out, in], dense, zeros where the mask is 0;</li>
 *   <li>{@code layers.l.bias}: F32 [out];</li>
 *   <li>{@code layers.l.mask}: <b>U8</b> [out, in], 1 where a connection exists (a connection may exist
 *   with value 0, e.g. just regrown) and 0 elsewhere; all ones for a dense layer.</li>
 * </ul>
 * All F32 tensors come first so every one starts 4-byte aligned. {@code __metadata__} holds
 * {@code format=pt}, the activation, loss, layer sizes, which layers are sparse, the mask dtype and
 * the model fingerprint. In Python: {@code safetensors.torch.load_file(path)}; apply a mask with
 * {@code w * m.to(w.dtype)}.
 */
public final class SafetensorsExport {
  private SafetensorsExport() {}

  /** A tensor read back: dtype ({@code F32}, {@code U8}, …), shape and raw little-endian bytes. */
  public record Tensor(String dtype, long[] shape, byte[] data) {
    public float[] floats() {
      if (!dtype.equals("F32")) {
        throw new IllegalStateException("tensor is " + dtype + ", not F32");
      }
      float[] f = new float[data.length / 4];
      ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
      return f;
    }
  }

  /** A whole safetensors file read back. */
  public record Contents(Map<String, String> metadata, Map<String, Tensor> tensors) {}

  private record Planned(String name, String dtype, long[] shape, long bytes, int layer, char what) {}

  /** Writes {@code net} to {@code file} (overwriting). */
  public static void write(FileSystem fs, Path file, Network net) throws IOException {
    List<Planned> plan = new ArrayList<>();
    for (int l = 0; l < net.layerCount(); l++) {
      Layer layer = net.layer(l);
      long in = layer.inFeatures();
      long out = layer.outFeatures();
      plan.add(new Planned("layers." + l + ".weight", "F32", new long[] {out, in}, 4 * in * out, l, 'w'));
      plan.add(new Planned("layers." + l + ".bias", "F32", new long[] {out}, 4 * out, l, 'b'));
    }
    for (int l = 0; l < net.layerCount(); l++) {
      Layer layer = net.layer(l);
      long in = layer.inFeatures();
      long out = layer.outFeatures();
      plan.add(new Planned("layers." + l + ".mask", "U8", new long[] {out, in}, in * out, l, 'm'));
    }
    ObjectNode header = Manifest.JSON.createObjectNode();
    ObjectNode meta = header.putObject("__metadata__");
    meta.put("format", "pt");
    meta.put("sparsetrain.activation", net.hiddenActivation().key());
    meta.put("sparsetrain.loss", net.loss().name().toLowerCase(java.util.Locale.ROOT));
    meta.put("sparsetrain.sizes", Manifest.JSON.valueToTree(net.sizes()).toString());
    StringBuilder sparse = new StringBuilder("[");
    for (int l = 0; l < net.layerCount(); l++) {
      sparse.append(l == 0 ? "" : ",").append(net.layer(l).isSparse());
    }
    meta.put("sparsetrain.sparse_layers", sparse.append(']').toString());
    meta.put("sparsetrain.mask_dtype", "U8");
    meta.put("sparsetrain.fingerprint", Fingerprint.of(net));
    long offset = 0;
    for (Planned p : plan) {
      ObjectNode t = header.putObject(p.name());
      t.put("dtype", p.dtype());
      ArrayNode shape = t.putArray("shape");
      for (long s : p.shape()) {
        shape.add(s);
      }
      t.putArray("data_offsets").add(offset).add(offset + p.bytes());
      offset += p.bytes();
    }
    byte[] json = Manifest.JSON.writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8;
    byte[] head = Arrays.copyOf(json, padded);
    Arrays.fill(head, json.length, padded, (byte) ' ');
    try (FSDataOutputStream raw = fs.create(file, true);
         OutputStream out = new BufferedOutputStream(raw, 1 << 16)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
      out.write(len.array());
      out.write(head);
      for (Planned p : plan) {
        Layer layer = net.layer(p.layer());
        switch (p.what()) {
          case 'w' -> writeDenseWeights(out, layer);
          case 'b' -> writeFloats(out, layer.bias());
          default -> writeMask(out, layer);
        }
      }
    }
  }

  private static void writeDenseWeights(OutputStream out, Layer layer) throws IOException {
    int in = layer.inFeatures();
    ByteBuffer row = ByteBuffer.allocate(4 * in).order(ByteOrder.LITTLE_ENDIAN);
    int[] rp = layer.isSparse() ? layer.rowPtr() : null;
    int[] ci = layer.isSparse() ? layer.colIdx() : null;
    float[] v = layer.values();
    for (int r = 0; r < layer.outFeatures(); r++) {
      Arrays.fill(row.array(), (byte) 0);
      if (rp == null) {
        for (int c = 0; c < in; c++) {
          row.putInt(4 * c, Float.floatToRawIntBits(v[r * in + c]));
        }
      } else {
        for (int k = rp[r]; k < rp[r + 1]; k++) {
          row.putInt(4 * ci[k], Float.floatToRawIntBits(v[k]));
        }
      }
      out.write(row.array());
    }
  }

  private static void writeMask(OutputStream out, Layer layer) throws IOException {
    int in = layer.inFeatures();
    byte[] row = new byte[in];
    int[] rp = layer.isSparse() ? layer.rowPtr() : null;
    int[] ci = layer.isSparse() ? layer.colIdx() : null;
    for (int r = 0; r < layer.outFeatures(); r++) {
      if (rp == null) {
        Arrays.fill(row, (byte) 1);
      } else {
        Arrays.fill(row, (byte) 0);
        for (int k = rp[r]; k < rp[r + 1]; k++) {
          row[ci[k]] = 1;
        }
      }
      out.write(row);
    }
  }

  private static void writeFloats(OutputStream out, float[] a) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(4 * a.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : a) {
      b.putInt(Float.floatToRawIntBits(f));
    }
    out.write(b.array());
  }

  // ------------------------------------------------------------------ reading

  private static final Map<String, Integer> DTYPE_BYTES = Map.of(
      "BOOL", 1, "U8", 1, "I8", 1, "F16", 2, "BF16", 2, "I16", 2, "U16", 2,
      "F32", 4, "I32", 4, "U32", 4);

  /**
   * Reads a safetensors file into memory, validating it the way the reference implementation does:
   * header length within the file, known dtypes, byte ranges matching their shapes, and a data
   * section covered exactly, without holes or overlaps.
   */
  public static Contents read(FileSystem fs, Path file) throws IOException {
    byte[] all;
    try (InputStream in = fs.open(file)) {
      all = in.readAllBytes();
    }
    if (all.length < 8) {
      throw new IOException(file + ": too short for a safetensors file");
    }
    long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (n <= 0 || n > all.length - 8L || n > 100_000_000L) {
      throw new IOException(file + ": header length " + n + " does not fit a file of " + all.length + " bytes");
    }
    JsonNode header = Manifest.JSON.readTree(new String(all, 8, (int) n, StandardCharsets.UTF_8).strip());
    int dataStart = 8 + (int) n;
    long dataLen = all.length - dataStart;
    Map<String, String> metadata = new LinkedHashMap<>();
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    List<long[]> ranges = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("__metadata__")) {
        e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
        continue;
      }
      JsonNode t = e.getValue();
      String dtype = t.path("dtype").asText();
      Integer size = DTYPE_BYTES.get(dtype);
      if (size == null) {
        throw new IOException(file + ": tensor " + e.getKey() + " has unsupported dtype " + dtype);
      }
      long[] shape = new long[t.path("shape").size()];
      long count = 1;
      for (int i = 0; i < shape.length; i++) {
        shape[i] = t.path("shape").get(i).asLong();
        count *= shape[i];
      }
      long begin = t.path("data_offsets").path(0).asLong(-1);
      long end = t.path("data_offsets").path(1).asLong(-1);
      if (begin < 0 || end < begin || end > dataLen || end - begin != count * size) {
        throw new IOException(file + ": tensor " + e.getKey() + " has data_offsets [" + begin + "," + end
            + "] inconsistent with shape " + Arrays.toString(shape) + " " + dtype + " or the data length " + dataLen);
      }
      ranges.add(new long[] {begin, end});
      tensors.put(e.getKey(), new Tensor(dtype, shape,
          Arrays.copyOfRange(all, dataStart + (int) begin, dataStart + (int) end)));
    }
    ranges.sort((a, b) -> Long.compare(a[0], b[0]));
    long at = 0;
    for (long[] r : ranges) {
      if (r[0] != at) {
        throw new IOException(file + ": data section has a hole or an overlap at byte " + at);
      }
      at = r[1];
    }
    if (at != dataLen) {
      throw new IOException(file + ": data section has " + (dataLen - at) + " bytes no tensor covers");
    }
    return new Contents(Collections.unmodifiableMap(metadata), Collections.unmodifiableMap(tensors));
  }

  /**
   * Rebuilds a {@link Network} from an exported file: sparse layers take the structure of their mask
   * and the weights at its ones, dense layers all weights. Used to check an export bit for bit.
   */
  public static Network readNetwork(FileSystem fs, Path file) throws IOException {
    Contents c = read(fs, file);
    JsonNode sizesNode = Manifest.JSON.readTree(c.metadata().getOrDefault("sparsetrain.sizes", "[]"));
    JsonNode sparseNode = Manifest.JSON.readTree(c.metadata().getOrDefault("sparsetrain.sparse_layers", "[]"));
    List<Layer> layers = new ArrayList<>();
    for (int l = 0; l + 1 < sizesNode.size(); l++) {
      int in = sizesNode.get(l).asInt();
      int out = sizesNode.get(l + 1).asInt();
      Tensor w = c.tensors().get("layers." + l + ".weight");
      Tensor b = c.tensors().get("layers." + l + ".bias");
      Tensor m = c.tensors().get("layers." + l + ".mask");
      if (w == null || b == null || m == null || w.shape().length != 2 || w.shape()[0] != out || w.shape()[1] != in) {
        throw new IOException(file + ": layer " + l + " tensors missing or not of shape [" + out + "," + in + "]");
      }
      float[] dense = w.floats();
      if (!sparseNode.path(l).asBoolean(true)) {
        layers.add(new DenseLinear(in, out, dense, b.floats()));
        continue;
      }
      byte[] mask = m.data();
      int nnz = 0;
      for (byte x : mask) {
        nnz += x != 0 ? 1 : 0;
      }
      int[] rowPtr = new int[out + 1];
      int[] colIdx = new int[nnz];
      float[] values = new float[nnz];
      int k = 0;
      for (int r = 0; r < out; r++) {
        for (int col = 0; col < in; col++) {
          if (mask[r * in + col] != 0) {
            colIdx[k] = col;
            values[k++] = dense[r * in + col];
          }
        }
        rowPtr[r + 1] = k;
      }
      layers.add(new SparseLinear(in, out, rowPtr, colIdx, values, b.floats()));
    }
    return new Network(layers, Activation.parse(c.metadata().getOrDefault("sparsetrain.activation", "relu")),
        Loss.parse(c.metadata().getOrDefault("sparsetrain.loss", "cross_entropy")));
  }
}
