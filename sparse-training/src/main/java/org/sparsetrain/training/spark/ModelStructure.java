package org.sparsetrain.training.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.DenseLinear;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.SparseLinear;

/**
 * The part of the model that changes only at mask updates: sizes, activation, loss and every
 * sparse layer's CSR structure (4 bytes per non-zero), tagged with the mask version. Broadcast when
 * the version moves; values never live here. Used by the driver-mode and the sharded trainers.
 */
public final class ModelStructure implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  long version;
  int[] sizes;
  Activation activation;
  Loss loss;
  /** Per layer: CSR row pointers, or null for a dense layer. */
  int[][] rowPtr;
  int[][] colIdx;

  private ModelStructure() {}

  public static ModelStructure of(Network net, long version) {
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

  /**
   * The structure of a {@code spec} model with per-layer CSR arrays (null for a dense layer), e.g.
   * read back from a checkpoint's shards; the arrays are kept, not copied.
   */
  public static ModelStructure of(org.sparsetrain.training.ModelSpec spec, long version, int[][] rowPtr, int[][] colIdx) {
    if (rowPtr.length != spec.sizes().length - 1 || colIdx.length != rowPtr.length) {
      throw new IllegalArgumentException(rowPtr.length + " layers of structure for model " + spec);
    }
    ModelStructure s = new ModelStructure();
    s.sizes = spec.sizes().clone();
    s.activation = spec.activation();
    s.loss = spec.loss();
    return s.with(version, rowPtr, colIdx);
  }

  /**
   * This structure with another mask version and per-layer CSR arrays (null for a dense layer);
   * the arrays are kept, not copied.
   */
  public ModelStructure with(long version, int[][] rowPtr, int[][] colIdx) {
    ModelStructure s = new ModelStructure();
    s.version = version;
    s.sizes = sizes;
    s.activation = activation;
    s.loss = loss;
    s.rowPtr = rowPtr;
    s.colIdx = colIdx;
    return s;
  }

  public long version() {
    return version;
  }

  /** The layer sizes (inputs, hidden..., classes); the array itself, do not change it. */
  public int[] sizes() {
    return sizes;
  }

  /** A copy of the per-layer CSR row pointers (the inner arrays are shared; null for a dense layer). */
  public int[][] rowPtrs() {
    return rowPtr.clone();
  }

  /** A copy of the per-layer CSR column indices (the inner arrays are shared; null for a dense layer). */
  public int[][] colIdxs() {
    return colIdx.clone();
  }

  /** Layer l's CSR row pointers (the array itself), or null for a dense layer. */
  public int[] rowPtr(int l) {
    return rowPtr[l];
  }

  /** Layer l's CSR column indices (the array itself), or null for a dense layer. */
  public int[] colIdx(int l) {
    return colIdx[l];
  }

  public int layers() {
    return sizes.length - 1;
  }

  public int in(int l) {
    return sizes[l];
  }

  public int out(int l) {
    return sizes[l + 1];
  }

  public boolean sparse(int l) {
    return rowPtr[l] != null;
  }

  /** First stored index of row r of layer l. */
  public long rowStart(int l, int r) {
    return rowPtr[l] == null ? (long) r * sizes[l] : rowPtr[l][r];
  }

  public long nnz(int l) {
    return rowStart(l, out(l));
  }

  public long totalNnz() {
    long n = 0;
    for (int l = 0; l < layers(); l++) {
      n += nnz(l);
    }
    return n;
  }

  /** A network of this structure with zero values (the caller loads values). */
  public Network build() {
    return build(0f);
  }

  /** A network of this structure whose biases are zero and whose weights are all {@code fill}. */
  public Network build(float fill) {
    List<Layer> layers = new ArrayList<>();
    for (int l = 0; l < layers(); l++) {
      int in = in(l);
      int out = out(l);
      float[] w = new float[rowPtr[l] == null ? in * out : colIdx[l].length];
      if (fill != 0f) {
        Arrays.fill(w, fill);
      }
      if (rowPtr[l] == null) {
        layers.add(new DenseLinear(in, out, w, new float[out]));
      } else {
        layers.add(new SparseLinear(in, out, rowPtr[l], colIdx[l], w, new float[out]));
      }
    }
    return new Network(layers, activation, loss);
  }

  /** Estimated serialised size: the version, the sizes and 4 bytes per CSR entry. */
  public long bytes() {
    long b = 8L + 4L * sizes.length;
    for (int l = 0; l < rowPtr.length; l++) {
      if (rowPtr[l] != null) {
        b += 4L * (rowPtr[l].length + colIdx[l].length);
      }
    }
    return b;
  }
}
