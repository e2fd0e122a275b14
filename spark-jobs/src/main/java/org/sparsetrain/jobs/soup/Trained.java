package org.sparsetrain.jobs.soup;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.DenseLinear;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.SparseLinear;

/**
 * One trained ingredient: the network, its steps and its training wall time. {@link #encode} /
 * {@link #decode} give an explicit little binary format (no Java object serialisation), which is
 * how a network crosses a Spark task boundary in both directions (a plain {@code byte[]} needs no
 * Kryo registration).
 */
record Trained(Network network, long steps, double wallSeconds) {
  private static final int MAGIC = 0x53545550; // "STUP"

  byte[] encode() {
    return encode(network, steps, wallSeconds);
  }

  static byte[] encode(Network net, long steps, double wall) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.writeLong(steps);
      out.writeDouble(wall);
      out.writeUTF(net.hiddenActivation().name());
      out.writeUTF(net.loss().name());
      out.writeInt(net.layerCount());
      for (int l = 0; l < net.layerCount(); l++) {
        Layer layer = net.layer(l);
        out.writeInt(layer.inFeatures());
        out.writeInt(layer.outFeatures());
        out.writeBoolean(layer.isSparse());
        if (layer.isSparse()) {
          ints(out, layer.rowPtr());
          ints(out, layer.colIdx());
        }
        floats(out, layer.values());
        floats(out, layer.bias());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static Trained decode(byte[] b) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
      if (in.readInt() != MAGIC) {
        throw new IllegalArgumentException("not an encoded network");
      }
      long steps = in.readLong();
      double wall = in.readDouble();
      Activation act = Activation.valueOf(in.readUTF());
      Loss loss = Loss.valueOf(in.readUTF());
      int layers = in.readInt();
      List<Layer> ls = new ArrayList<>();
      for (int l = 0; l < layers; l++) {
        int inF = in.readInt();
        int outF = in.readInt();
        if (in.readBoolean()) {
          int[] rp = ints(in);
          int[] ci = ints(in);
          ls.add(new SparseLinear(inF, outF, rp, ci, floats(in), floats(in)));
        } else {
          ls.add(new DenseLinear(inF, outF, floats(in), floats(in)));
        }
      }
      return new Trained(new Network(ls, act, loss), steps, wall);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void ints(DataOutputStream out, int[] a) throws IOException {
    out.writeInt(a.length);
    for (int x : a) {
      out.writeInt(x);
    }
  }

  private static void floats(DataOutputStream out, float[] a) throws IOException {
    out.writeInt(a.length);
    for (float x : a) {
      out.writeFloat(x);
    }
  }

  private static int[] ints(DataInputStream in) throws IOException {
    int[] a = new int[in.readInt()];
    for (int i = 0; i < a.length; i++) {
      a[i] = in.readInt();
    }
    return a;
  }

  private static float[] floats(DataInputStream in) throws IOException {
    float[] a = new float[in.readInt()];
    for (int i = 0; i < a.length; i++) {
      a[i] = in.readFloat();
    }
    return a;
  }
}
