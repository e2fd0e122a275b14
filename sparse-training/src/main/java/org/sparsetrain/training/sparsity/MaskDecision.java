package org.sparsetrain.training.sparsity;

import java.util.Arrays;

/** The decided change of every layer at one mask update; a null entry leaves that layer unchanged. */
public record MaskDecision(LayerChange[] layers) {
  public static MaskDecision none(int layers) {
    return new MaskDecision(new LayerChange[layers]);
  }

  public LayerChange layer(int l) {
    return layers[l];
  }

  @Override
  public String toString() {
    return "MaskDecision" + Arrays.toString(layers);
  }
}
