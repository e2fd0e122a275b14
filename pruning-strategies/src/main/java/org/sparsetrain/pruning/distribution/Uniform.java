package org.sparsetrain.pruning.distribution;

import java.util.Arrays;

/**
 * Every layer at the same density 1−s; with {@code denseFirstLayer} the first layer is kept dense
 * and the others share the remaining budget uniformly (as in Gale et al. 2019 and RigL's uniform
 * baseline).
 */
public record Uniform(boolean denseFirstLayer) implements SparsityDistribution {
  @Override
  public double[] densities(int[] sizes, double s) {
    SparsityDistribution.checkSparsity(s);
    int layers = sizes.length - 1;
    double[] d = new double[layers];
    Arrays.fill(d, 1 - s);
    if (denseFirstLayer && layers > 1) {
      double total = 0;
      double first = (double) sizes[0] * sizes[1];
      for (int l = 0; l < layers; l++) {
        total += (double) sizes[l] * sizes[l + 1];
      }
      double rest = ((1 - s) * total - first) / (total - first);
      if (rest < 0) {
        throw new IllegalArgumentException("sparsity.target " + s + " leaves no budget beyond a dense first layer");
      }
      d[0] = 1;
      for (int l = 1; l < layers; l++) {
        d[l] = Math.min(1, rest);
      }
    }
    return d;
  }

  @Override
  public String name() {
    return "uniform";
  }
}
