package org.sparsetrain.training.sparsity;

import java.util.Arrays;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.SparseLinear;
import org.sparsetrain.training.nn.StructureChange;
import org.sparsetrain.training.optim.OptimizerState;

/**
 * Applies a {@link MaskDecision} to the layers and the optimizer state, the same way in every
 * trainer: kept and revived connections keep value and state, new ones start at their grow value
 * (0 by default) with zero state. Returns the churn per layer (connections that left + joined,
 * over the non-zeros before).
 */
public final class MaskApplier {
  private MaskApplier() {}

  public static double[] apply(Network net, OptimizerState state, MaskDecision decision) {
    double[] churn = new double[net.layerCount()];
    for (int l = 0; l < net.layerCount(); l++) {
      LayerChange c = decision.layer(l);
      if (c == null || c.isEmpty()) {
        continue;
      }
      Layer layer = net.layer(l);
      if (!(layer instanceof SparseLinear sparse)) {
        throw new IllegalStateException("layer " + l + " is dense; a sparsity method cannot change its mask");
      }
      int before = layer.nnz();
      StructureChange change = StructureChange.compute(layer, c.drop(), c.grow());
      float[] values = change.remap(sparse.values());
      if (c.growValues() != null) {
        setGrowValues(change, values, c, layer.inFeatures());
      }
      sparse.setStructure(change.rowPtr(), change.colIdx(), values);
      if (state != null) {
        state.follow(l, change);
      }
      churn[l] = before == 0 ? 0 : (change.dropped() + change.added()) / (double) before;
    }
    return churn;
  }

  private static void setGrowValues(StructureChange change, float[] values, LayerChange c, int in) {
    long[] grow = c.grow().clone();
    float[] gv = c.growValues().clone();
    sortTogether(grow, gv);
    int[] src = change.source();
    int[] rp = change.rowPtr();
    int[] ci = change.colIdx();
    for (int r = 0; r + 1 < rp.length; r++) {
      for (int k = rp[r]; k < rp[r + 1]; k++) {
        if (src[k] < 0) {
          int g = Arrays.binarySearch(grow, (long) r * in + ci[k]);
          values[k] = gv[g];
        }
      }
    }
  }

  /** Sorts {@code keys} ascending and moves {@code vals} (same length, or null) along with them. */
  public static void sortTogether(long[] keys, float[] vals) {
    if (vals == null) {
      Arrays.sort(keys);
      return;
    }
    Integer[] idx = new Integer[keys.length];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, (a, b) -> Long.compare(keys[a], keys[b]));
    long[] k2 = new long[keys.length];
    float[] v2 = new float[vals.length];
    for (int i = 0; i < idx.length; i++) {
      k2[i] = keys[idx[i]];
      v2[i] = vals[idx[i]];
    }
    System.arraycopy(k2, 0, keys, 0, keys.length);
    System.arraycopy(v2, 0, vals, 0, vals.length);
  }
}
