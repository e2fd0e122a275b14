package org.sparsetrain.training;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.Init;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.sparsity.SparsityMethod;

/** The architecture of a multi-layer perceptron: layer sizes, hidden activation and loss. */
public record ModelSpec(int[] sizes, Activation activation, Loss loss) implements Serializable {
  public ModelSpec {
    if (sizes == null || sizes.length < 2) {
      throw new IllegalArgumentException("model.layers needs at least an input and an output size, got " + Arrays.toString(sizes));
    }
    for (int i = 0; i < sizes.length; i++) {
      if (sizes[i] <= 0) {
        throw new IllegalArgumentException("model.layers[" + i + "] must be > 0, got " + sizes[i]);
      }
    }
    sizes = sizes.clone();
  }

  @Override
  public int[] sizes() {
    return sizes.clone();
  }

  public int inputs() { return sizes[0]; }
  public int classes() { return sizes[sizes.length - 1]; }
  public int weightLayers() { return sizes.length - 1; }

  /** A freshly initialised network: masks drawn for the method's initial densities, He values. */
  public Network build(SparsityMethod method, long seed) {
    double[] densities = method.initialDensities(sizes);
    if (densities.length != weightLayers()) {
      throw new IllegalStateException(method.name() + " gave " + densities.length + " densities for " + weightLayers() + " layers");
    }
    List<Layer> layers = new ArrayList<>();
    for (int l = 0; l < weightLayers(); l++) {
      int in = sizes[l];
      int out = sizes[l + 1];
      if (method.dense()) {
        layers.add(Init.dense(in, out, seed, l));
      } else {
        layers.add(Init.sparse(in, out, Init.nnzFor(densities[l], in, out), seed, l));
      }
    }
    return new Network(layers, activation, loss);
  }

  /**
   * The masks {@link #build} draws, without values: per layer {@code {rowPtr, colIdx}}, or null for
   * a dense layer (the sharded mode's driver holds only these; the owners draw the values).
   */
  public int[][][] masks(SparsityMethod method, long seed) {
    double[] densities = method.initialDensities(sizes);
    if (densities.length != weightLayers()) {
      throw new IllegalStateException(method.name() + " gave " + densities.length + " densities for " + weightLayers() + " layers");
    }
    int[][][] masks = new int[weightLayers()][][];
    for (int l = 0; l < weightLayers(); l++) {
      int in = sizes[l];
      int out = sizes[l + 1];
      masks[l] = method.dense() ? null : Init.sparseMask(in, out, Init.nnzFor(densities[l], in, out), seed, l);
    }
    return masks;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelSpec m && Arrays.equals(sizes, m.sizes) && activation == m.activation && loss == m.loss;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(sizes) * 31 + activation.hashCode() * 7 + loss.hashCode();
  }

  @Override
  public String toString() {
    return "ModelSpec" + Arrays.toString(sizes) + " " + activation.key();
  }
}
