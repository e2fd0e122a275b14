package org.sparsetrain.training.spark.sharded;

import java.util.ArrayList;
import java.util.List;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.DenseLinear;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.SparseLinear;

/**
 * The masks the driver owns in sharded mode: sizes, activation, loss and every sparse layer's CSR
 * structure (4 bytes per non-zero), tagged with the mask version; broadcast when the version moves.
 * Values never live here.
 */
final class ShardedStructure implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  long version;
  int[] sizes;
  Activation activation;
  Loss loss;
  /** Per layer: CSR row pointers, or null for a dense layer. */
  int[][] rowPtr;
  int[][] colIdx;

  static ShardedStructure of(Network net, long version) {
    ShardedStructure s = new ShardedStructure();
    s.version = version;
    s.sizes = net.sizes();
    s.activation = net.hiddenActivation();
    s.loss = net.loss();
    int n = net.layerCount();
    s.rowPtr = new int[n][];
    s.colIdx = new int[n][];
    for (int l = 0; l < n; l++) {
      Layer layer = net.layer(l);
      if (layer.isSparse()) {
        s.rowPtr[l] = layer.rowPtr().clone();
        s.colIdx[l] = layer.colIdx().clone();
      }
    }
    return s;
  }

  int layers() {
    return sizes.length - 1;
  }

  int in(int l) {
    return sizes[l];
  }

  int out(int l) {
    return sizes[l + 1];
  }

  boolean sparse(int l) {
    return rowPtr[l] != null;
  }

  /** First stored index of row r of layer l. */
  long rowStart(int l, int r) {
    return rowPtr[l] == null ? (long) r * sizes[l] : rowPtr[l][r];
  }

  long nnz(int l) {
    return rowStart(l, out(l));
  }

  long totalNnz() {
    long n = 0;
    for (int l = 0; l < layers(); l++) {
      n += nnz(l);
    }
    return n;
  }

  /** A network of this structure whose values and biases are zero (or {@code fill} for weights). */
  Network build(float fill) {
    List<Layer> layers = new ArrayList<>();
    for (int l = 0; l < layers(); l++) {
      int in = in(l);
      int out = out(l);
      if (rowPtr[l] == null) {
        float[] w = new float[in * out];
        java.util.Arrays.fill(w, fill);
        layers.add(new DenseLinear(in, out, w, new float[out]));
      } else {
        float[] w = new float[colIdx[l].length];
        java.util.Arrays.fill(w, fill);
        layers.add(new SparseLinear(in, out, rowPtr[l], colIdx[l], w, new float[out]));
      }
    }
    return new Network(layers, activation, loss);
  }

  long bytes() {
    long b = 16L + 4L * sizes.length;
    for (int l = 0; l < rowPtr.length; l++) {
      if (rowPtr[l] != null) {
        b += 4L * (rowPtr[l].length + colIdx[l].length);
      }
    }
    return b;
  }
}
