package org.sparsetrain.training.spark;

import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.optim.Optimizer;
import org.sparsetrain.training.optim.OptimizerState;

/**
 * Every layer's values and bias (aligned with the structure of {@link #version}), and for
 * local-SGD rounds also the optimizer state: the driver's own arrays, not copies. Broadcast once
 * per Spark job, which serialises them at once; executors in the driver's JVM read the arrays
 * themselves, so the driver leaves them alone until the job that reads the broadcast has ended
 * (it is blocked in that job, or computes only what the job does not read).
 */
final class ModelValues implements java.io.Serializable {
  long version;
  float[][] weights;
  float[][] bias;
  /** Optimizer state per layer and slot (local rounds only, else null). */
  float[][][] weightSlots;
  float[][][] biasSlots;
  long optimizerStep;

  private ModelValues() {}

  static ModelValues of(Network net, long version) {
    ModelValues v = new ModelValues();
    v.version = version;
    int n = net.layerCount();
    v.weights = new float[n][];
    v.bias = new float[n][];
    for (int l = 0; l < n; l++) {
      Layer layer = net.layer(l);
      v.weights[l] = layer.values();
      v.bias[l] = layer.bias();
    }
    return v;
  }

  static ModelValues withOptimizer(Network net, long version, OptimizerState opt) {
    ModelValues v = of(net, version);
    int n = net.layerCount();
    v.weightSlots = new float[n][opt.slots()][];
    v.biasSlots = new float[n][opt.slots()][];
    for (int l = 0; l < n; l++) {
      for (int s = 0; s < opt.slots(); s++) {
        v.weightSlots[l][s] = opt.weightSlot(l, s);
        v.biasSlots[l][s] = opt.biasSlot(l, s);
      }
    }
    v.optimizerStep = opt.step();
    return v;
  }

  /** A copy of the optimizer state (a task's replica, which its steps change), for a broadcast made {@link #withOptimizer}. */
  OptimizerState optimizerState(Optimizer optimizer) {
    int layers = weights.length;
    int slots = weightSlots[0].length;
    float[][][] ws = new float[layers][slots][];
    float[][][] bs = new float[layers][slots][];
    for (int l = 0; l < layers; l++) {
      for (int s = 0; s < slots; s++) {
        ws[l][s] = weightSlots[l][s].clone();
        bs[l][s] = biasSlots[l][s].clone();
      }
    }
    return OptimizerState.restore(optimizer, ws, bs, optimizerStep);
  }

  /** Copies the values into a network of the same structure. */
  void loadInto(Network net) {
    for (int l = 0; l < weights.length; l++) {
      Layer layer = net.layer(l);
      if (layer.values().length != weights[l].length || layer.bias().length != bias[l].length) {
        throw new IllegalStateException("layer " + l + ": values of version " + version + " do not fit the cached structure");
      }
      System.arraycopy(weights[l], 0, layer.values(), 0, weights[l].length);
      System.arraycopy(bias[l], 0, layer.bias(), 0, bias[l].length);
    }
  }

  long bytes() {
    long b = 16;
    for (int l = 0; l < weights.length; l++) {
      b += 4L * (weights[l].length + bias[l].length);
      if (weightSlots != null) {
        for (int s = 0; s < weightSlots[l].length; s++) {
          b += 4L * (weightSlots[l][s].length + biasSlots[l][s].length);
        }
      }
    }
    return b;
  }
}
