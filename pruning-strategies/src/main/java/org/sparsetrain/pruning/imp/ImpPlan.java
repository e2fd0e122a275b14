package org.sparsetrain.pruning.imp;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.sparsetrain.pruning.criteria.PruneCriterion;
import org.sparsetrain.training.nn.Init;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.SparseLinear;
import org.sparsetrain.training.sparsity.LayerChange;
import org.sparsetrain.training.sparsity.MaskDecision;

/**
 * Iterative magnitude pruning with rewinding (Frankle &amp; Carbin 2019; Frankle et al. 2020), as a
 * phase plan: phase 0 trains dense for {@code phaseSteps}; after phase p (p &lt; n) the network is
 * pruned to density {@code (1−s)^((p+1)/n)} — a fraction {@code q = 1 − (1−s)^(1/n)} of the
 * remaining weights, by global magnitude unless configured otherwise — and the surviving weights
 * are rewound to their values after step {@code rewindStep} of phase 0; phase p+1 then trains
 * from step {@code rewindStep} to {@code phaseSteps} again (same learning-rate schedule and batch
 * order) with zeroed optimizer state. After phase n the density is exactly 1−s (within rounding).
 *
 * <p>Why a plan and not a single {@link org.sparsetrain.training.sparsity.SparsityMethod}: a mask
 * decision can only drop and grow, never reset the values of kept weights or restart the schedule,
 * and the values at the rewind step cannot be re-derived without re-training (only step 0 can:
 * it is the seeded initialisation). So the driver holds one extra network, the rewind snapshot, and
 * {@link ImpRunner} drives the phases through any trainer. Everything here is a pure function of
 * its inputs.
 */
public record ImpPlan(int phases, double sparsity, long phaseSteps, long rewindStep, PruneCriterion prune)
    implements Serializable {
  public ImpPlan {
    if (phases < 1) {
      throw new IllegalArgumentException("sparsity.imp_phases must be >= 1, got " + phases);
    }
    if (!(sparsity >= 0 && sparsity < 1)) {
      throw new IllegalArgumentException("sparsity.target must be in [0,1), got " + sparsity);
    }
    if (phaseSteps < 1) {
      throw new IllegalArgumentException("sparsity.imp_phase_steps must be >= 1, got " + phaseSteps);
    }
    if (rewindStep < 0 || rewindStep >= phaseSteps) {
      throw new IllegalArgumentException("sparsity.imp_rewind_step must be in [0, " + phaseSteps + "), got " + rewindStep);
    }
  }

  /** Per-phase prune fraction of the remaining weights. */
  public double pruneFraction() {
    return 1 - Math.pow(1 - sparsity, 1.0 / phases);
  }

  /** Global density during phase p (1 in phase 0, 1−s in phase n). */
  public double density(int p) {
    return p == 0 ? 1.0 : p == phases ? 1 - sparsity : Math.pow(1 - sparsity, (double) p / phases);
  }

  /** Total steps of the whole plan: phase 0 plus n retrainings from the rewind step. */
  public long totalSteps() {
    return phaseSteps + phases * (phaseSteps - rewindStep);
  }

  /** Non-zeros per layer that phase p keeps (per-layer criterion) or, summed, globally. */
  public int[] targetNnz(int[] sizes, int p) {
    int[] n = new int[sizes.length - 1];
    for (int l = 0; l < n.length; l++) {
      n[l] = Init.nnzFor(density(p), sizes[l], sizes[l + 1]);
    }
    return n;
  }

  /** The drops that take {@code net} to phase p's density. */
  public MaskDecision prune(Network net, int p) {
    int layers = net.layerCount();
    int[] sizes = net.sizes();
    boolean[] eligible = new boolean[layers];
    int[] counts = new int[layers];
    if (prune.global()) {
      long total = 0;
      for (int l = 0; l < layers; l++) {
        total += (long) sizes[l] * sizes[l + 1];
        eligible[l] = net.layer(l).isSparse();
      }
      long keep = Math.round(density(p) * total);
      counts[0] = (int) Math.max(0, net.nnz() - keep);
    } else {
      int[] target = targetNnz(sizes, p);
      for (int l = 0; l < layers; l++) {
        eligible[l] = net.layer(l).isSparse();
        counts[l] = Math.max(0, net.layer(l).nnz() - target[l]);
      }
    }
    int[][] drops = prune.select(net, counts, eligible, 0, p);
    LayerChange[] c = new LayerChange[layers];
    for (int l = 0; l < layers; l++) {
      if (drops[l].length > 0) {
        c[l] = new LayerChange(drops[l], new long[0]);
      }
    }
    return new MaskDecision(c);
  }

  /**
   * A network with the structure of {@code pruned} and, at every kept position, the weight of
   * {@code snapshot} (biases from the snapshot too). The snapshot's structure must contain the pruned one.
   */
  public static Network rewind(Network pruned, Network snapshot) {
    List<Layer> layers = new ArrayList<>();
    for (int l = 0; l < pruned.layerCount(); l++) {
      Layer p = pruned.layer(l);
      Layer s = snapshot.layer(l);
      int[] rp = p.rowPtr();
      int[] ci = p.colIdx();
      int[] srp = s.rowPtr();
      int[] sci = s.colIdx();
      float[] sv = s.values();
      float[] v = new float[p.nnz()];
      for (int r = 0; r + 1 < rp.length; r++) {
        int j = srp[r];
        for (int k = rp[r]; k < rp[r + 1]; k++) {
          while (j < srp[r + 1] && sci[j] < ci[k]) {
            j++;
          }
          if (j >= srp[r + 1] || sci[j] != ci[k]) {
            throw new IllegalArgumentException("rewind snapshot lacks position (" + r + ", " + ci[k] + ") of layer " + l);
          }
          v[k] = sv[j];
        }
      }
      layers.add(new SparseLinear(p.inFeatures(), p.outFeatures(), rp.clone(), ci.clone(), v, s.bias().clone()));
    }
    return new Network(layers, pruned.hiddenActivation(), pruned.loss());
  }
}
