package org.sparsetrain.training.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsetrain.training.nn.Fingerprint;
import org.sparsetrain.training.nn.Init;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.SparseLinear;

/** The safetensors export, checked against the file layout of the format, independently of the reader. */
class SafetensorsExportTest {
  @TempDir java.nio.file.Path tmp;

  static Network mixed() {
    SparseLinear l0 = Init.sparse(7, 5, 13, 11, 0);
    l0.values()[3] = 0f; // a connection that exists with value 0: only the mask tells
    l0.bias()[2] = -1.5f;
    Layer l1 = Init.dense(5, 3, 11, 1);
    l1.bias()[1] = 0.25f;
    return new Network(List.of(l0, l1), org.sparsetrain.training.nn.Activation.TANH,
        org.sparsetrain.training.nn.Loss.MSE);
  }

  @Test
  void layoutFollowsTheSafetensorsFormat() throws IOException {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    Path file = new Path(new Path(tmp.toUri()), "model.safetensors");
    Network net = mixed();
    SafetensorsExport.write(fs, file, net);

    byte[] all = CheckpointFixtures.readBytes(fs, file);
    long n = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    assertEquals(0, (8 + n) % 8, "data starts 8-byte aligned");
    JsonNode header = Manifest.JSON.readTree(new String(all, 8, (int) n, StandardCharsets.UTF_8));
    int data = 8 + (int) n;
    assertEquals("pt", header.path("__metadata__").path("format").asText());
    assertEquals("U8", header.path("__metadata__").path("sparsetrain.mask_dtype").asText());
    // offsets tile the data section exactly
    List<long[]> ranges = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getKey().equals("__metadata__")) {
        ranges.add(new long[] {e.getValue().path("data_offsets").get(0).asLong(), e.getValue().path("data_offsets").get(1).asLong()});
      }
    }
    ranges.sort((a, b) -> Long.compare(a[0], b[0]));
    long at = 0;
    for (long[] r : ranges) {
      assertEquals(at, r[0]);
      at = r[1];
    }
    assertEquals(all.length - data, at);

    for (int l = 0; l < 2; l++) {
      Layer layer = net.layer(l);
      int in = layer.inFeatures();
      int out = layer.outFeatures();
      JsonNode w = header.path("layers." + l + ".weight");
      assertEquals("F32", w.path("dtype").asText());
      assertEquals("[" + out + "," + in + "]", w.path("shape").toString());
      assertEquals(0, w.path("data_offsets").get(0).asLong() % 4, "F32 tensors are 4-byte aligned");
      JsonNode m = header.path("layers." + l + ".mask");
      assertEquals("U8", m.path("dtype").asText());
      ByteBuffer wb = ByteBuffer.wrap(all, data + (int) w.path("data_offsets").get(0).asLong(), 4 * in * out).slice().order(ByteOrder.LITTLE_ENDIAN);
      int mOff = data + (int) m.path("data_offsets").get(0).asLong();
      float[] dense = new float[in * out];
      byte[] mask = new byte[in * out];
      int[] rp = layer.rowPtr();
      int[] ci = layer.colIdx();
      for (int r = 0; r < out; r++) {
        for (int k = rp[r]; k < rp[r + 1]; k++) {
          dense[r * in + ci[k]] = layer.values()[k];
          mask[r * in + ci[k]] = 1;
        }
      }
      int ones = 0;
      for (int i = 0; i < in * out; i++) {
        assertEquals(Float.floatToRawIntBits(dense[i]), wb.getInt(4 * i), "weight " + i + " of layer " + l);
        assertEquals(mask[i], all[mOff + i], "mask " + i + " of layer " + l);
        ones += all[mOff + i];
      }
      assertEquals(layer.nnz(), ones);
      JsonNode b = header.path("layers." + l + ".bias");
      assertEquals("[" + out + "]", b.path("shape").toString());
      ByteBuffer bb = ByteBuffer.wrap(all, data + (int) b.path("data_offsets").get(0).asLong(), 4 * out).slice().order(ByteOrder.LITTLE_ENDIAN);
      for (int r = 0; r < out; r++) {
        assertEquals(layer.bias()[r], bb.getFloat(4 * r));
      }
    }
  }

  @Test
  void roundTripRebuildsTheSameModel() throws IOException {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    Path file = new Path(new Path(tmp.toUri()), "m.safetensors");
    Network net = mixed();
    SafetensorsExport.write(fs, file, net);
    Network back = SafetensorsExport.readNetwork(fs, file);
    assertEquals(Fingerprint.of(net), Fingerprint.of(back));
    assertEquals(Fingerprint.of(net), SafetensorsExport.read(fs, file).metadata().get("sparsetrain.fingerprint"));
    assertTrue(back.layer(0).isSparse());
    assertTrue(!back.layer(1).isSparse());
    assertArrayEquals(net.layer(0).colIdx(), back.layer(0).colIdx());
  }

  @Test
  void aDamagedFileIsRejected() throws IOException {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    Path file = new Path(new Path(tmp.toUri()), "m.safetensors");
    SafetensorsExport.write(fs, file, mixed());
    byte[] all = CheckpointFixtures.readBytes(fs, file);
    CheckpointFixtures.writeBytes(fs, file, java.util.Arrays.copyOf(all, all.length - 1));
    IOException e = assertThrows(IOException.class, () -> SafetensorsExport.read(fs, file));
    assertTrue(e.getMessage().contains("data_offsets") || e.getMessage().contains("no tensor covers"), e.getMessage());
  }
}
