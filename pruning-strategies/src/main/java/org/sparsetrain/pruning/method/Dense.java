package org.sparsetrain.pruning.method;

import java.util.Arrays;
import org.sparsetrain.pruning.SparsityConfig;
import org.sparsetrain.training.sparsity.MaskDecision;
import org.sparsetrain.training.sparsity.MaskUpdateContext;
import org.sparsetrain.training.sparsity.SparsityMethod;

/** The dense baseline: dense layers, no mask. */
public final class Dense implements SparsityMethod {
  /** {@code sparsity.method: dense}; no keys. */
  public static Dense create(SparsityConfig c, long totalSteps) {
    return new Dense();
  }

  @Override public String name() { return "dense"; }
  @Override public boolean dense() { return true; }
  @Override public boolean updatesAt(long t) { return false; }

  @Override
  public double[] initialDensities(int[] sizes) {
    double[] d = new double[sizes.length - 1];
    Arrays.fill(d, 1.0);
    return d;
  }

  @Override
  public MaskDecision decide(long t, MaskUpdateContext ctx) {
    return MaskDecision.none(ctx.network().layerCount());
  }
}
