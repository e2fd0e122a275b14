package org.sparsetrain.training.spark;

import java.util.ArrayList;
import java.util.List;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.DenseLinear;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.SparseLinear;

/**
 * The part of the model that changes only at mask updates: sizes, activation, loss and every
 * sparse layer's CSR structure, tagged with the mask version. Broadcast when the version moves.
 */
final class ModelStructure {
  long version;
  int[] sizes;
  Activation activation;
  Loss loss;
  /** Per layer: CSR row pointers, or null for a dense layer. */
  int[][] rowPtr;
  int[][] colIdx;

  private ModelStructure() {}

  static ModelStructure of(Network net, long version) {
    ModelStructure s = new ModelStructure();
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

  /** A network of this structure with zero values (the caller loads values). */
  Network build() {
    List<Layer> layers = new ArrayList<>();
    for (int l = 0; l + 1 < sizes.length; l++) {
      int in = sizes[l];
      int out = sizes[l + 1];
      if (rowPtr[l] == null) {
        layers.add(new DenseLinear(in, out, new float[in * out], new float[out]));
      } else {
        layers.add(new SparseLinear(in, out, rowPtr[l], colIdx[l], new float[colIdx[l].length], new float[out]));
      }
    }
    return new Network(layers, activation, loss);
  }

  long bytes() {
    long b = 8L + 4L * sizes.length;
    for (int l = 0; l < rowPtr.length; l++) {
      if (rowPtr[l] != null) {
        b += 4L * (rowPtr[l].length + colIdx[l].length);
      }
    }
    return b;
  }
}
