package org.sparsetrain.pruning.distribution;

import java.util.Arrays;

/**
 * Per-layer densities given explicitly ({@code sparsity.layer_densities}); the global sparsity is
 * whatever they add up to, so the requested {@code sparsity.target} is ignored.
 */
public record Explicit(double[] layerDensities) implements SparsityDistribution {
  public Explicit {
    if (layerDensities == null || layerDensities.length == 0) {
      throw new IllegalArgumentException("sparsity.distribution=explicit needs sparsity.layer_densities");
    }
    for (double d : layerDensities) {
      if (!(d >= 0 && d <= 1)) {
        throw new IllegalArgumentException("sparsity.layer_densities must be in [0,1], got " + Arrays.toString(layerDensities));
      }
    }
    layerDensities = layerDensities.clone();
  }

  @Override
  public double[] densities(int[] sizes, double sparsity) {
    if (sizes.length - 1 != layerDensities.length) {
      throw new IllegalArgumentException("sparsity.layer_densities has " + layerDensities.length + " entries for "
          + (sizes.length - 1) + " weight layers");
    }
    return layerDensities.clone();
  }

  @Override
  public String name() {
    return "explicit";
  }
}
