package org.sparsetrain.training.optim;

import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.ParameterLayout;
import org.sparsetrain.training.nn.StructureChange;

/**
 * Per-layer optimizer state aligned with each layer's stored weights and bias, and the step count.
 * Applying a flat gradient updates the network in place.
 */
public final class OptimizerState {
  private final Optimizer optimizer;
  private final float[][][] weightSlots;
  private final float[][][] biasSlots;
  private long step;

  private OptimizerState(Optimizer optimizer, float[][][] w, float[][][] b, long step) {
    this.optimizer = optimizer;
    this.weightSlots = w;
    this.biasSlots = b;
    this.step = step;
  }

  /** Zero state for every layer of {@code net}. */
  public static OptimizerState create(Optimizer optimizer, Network net) {
    int n = net.layerCount();
    float[][][] w = new float[n][][];
    float[][][] b = new float[n][][];
    for (int l = 0; l < n; l++) {
      Layer layer = net.layer(l);
      w[l] = new float[optimizer.slots()][layer.nnz()];
      b[l] = new float[optimizer.slots()][layer.outFeatures()];
    }
    return new OptimizerState(optimizer, w, b, 0);
  }

  /** State restored from saved arrays (checkpoints). */
  public static OptimizerState restore(Optimizer optimizer, float[][][] weightSlots, float[][][] biasSlots, long step) {
    return new OptimizerState(optimizer, weightSlots, biasSlots, step);
  }

  public Optimizer optimizer() { return optimizer; }

  /** Optimizer steps applied so far. */
  public long step() { return step; }

  /** State array {@code slot} of layer l's weights (e.g. slot 0 = SGD momentum / Adam first moment). */
  public float[] weightSlot(int l, int slot) { return weightSlots[l][slot]; }

  public float[] biasSlot(int l, int slot) { return biasSlots[l][slot]; }

  public int slots() { return optimizer.slots(); }

  /** Applies one optimizer step with the flat gradient {@code grad} (layout of the current net). */
  public void apply(Network net, float[] grad, ParameterLayout layout, float lr) {
    for (int l = 0; l < net.layerCount(); l++) {
      if (weightSlots[l].length > 0 && weightSlots[l][0].length != net.layer(l).nnz()) {
        throw new IllegalStateException("optimizer state of layer " + l + " does not follow its structure");
      }
    }
    step++;
    for (int l = 0; l < net.layerCount(); l++) {
      Layer layer = net.layer(l);
      optimizer.update(layer.values(), weightSlots[l], grad, layout.weightOffset(l), layer.nnz(), lr, step, true);
      optimizer.update(layer.bias(), biasSlots[l], grad, layout.biasOffset(l), layer.outFeatures(), lr, step, false);
    }
  }

  /** Makes layer l's state follow a structure change: kept connections keep state, new ones start at 0. */
  public void follow(int l, StructureChange change) {
    for (int s = 0; s < weightSlots[l].length; s++) {
      weightSlots[l][s] = change.remap(weightSlots[l][s]);
    }
  }

  /** Resets layer l's state to zero for a new structure of {@code nnz} weights. */
  public void reset(int l, int nnz) {
    for (int s = 0; s < weightSlots[l].length; s++) {
      weightSlots[l][s] = new float[nnz];
    }
  }

  /** A deep copy. */
  public OptimizerState copy() {
    float[][][] w = new float[weightSlots.length][][];
    float[][][] b = new float[biasSlots.length][][];
    for (int l = 0; l < w.length; l++) {
      w[l] = new float[weightSlots[l].length][];
      b[l] = new float[biasSlots[l].length][];
      for (int s = 0; s < w[l].length; s++) {
        w[l][s] = weightSlots[l][s].clone();
        b[l][s] = biasSlots[l][s].clone();
      }
    }
    return new OptimizerState(optimizer, w, b, step);
  }
}
