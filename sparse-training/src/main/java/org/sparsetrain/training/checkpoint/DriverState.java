package org.sparsetrain.training.checkpoint;

import java.util.ArrayList;
import java.util.List;
import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.Fingerprint;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.optim.Optimizer;

/**
 * What a checkpoint's manifest records beyond the data files: the step and schedule position, the
 * model's shape and every layer's size, and the optimizer. The learning rate and the sparsity
 * method's schedule are pure functions of the step and are not stored.
 *
 * @param fingerprint {@link Fingerprint} of the whole model, or empty when no single JVM holds it
 *     (a sharded run: its files are checked by CRC32C alone)
 */
public record DriverState(long step, long totalSteps, long maskVersion, long seed, String method, int[] sizes,
                          Activation activation, Loss loss, List<Manifest.LayerInfo> layers, Optimizer optimizer,
                          long optimizerStep, String fingerprint) {
  public DriverState {
    layers = List.copyOf(layers);
    sizes = sizes.clone();
    if (layers.size() + 1 != sizes.length) {
      throw new IllegalArgumentException(layers.size() + " layers for sizes of length " + sizes.length);
    }
  }

  /** The driver-held state of {@code state}, with the fingerprint of its network. */
  public static DriverState of(TrainingState state) {
    Network net = state.network();
    List<Manifest.LayerInfo> layers = new ArrayList<>();
    for (int l = 0; l < net.layerCount(); l++) {
      Layer layer = net.layer(l);
      layers.add(new Manifest.LayerInfo(l, layer.inFeatures(), layer.outFeatures(), layer.isSparse(), layer.nnz()));
    }
    return new DriverState(state.step(), state.totalSteps(), state.maskVersion(), state.seed(),
        state.method() == null ? "" : state.method().name(), net.sizes(), net.hiddenActivation(), net.loss(), layers,
        state.optimizer().optimizer(), state.optimizer().step(), Fingerprint.of(net));
  }
}
