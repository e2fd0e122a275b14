package org.sparsetrain.pruning.method;

import java.io.Serializable;
import java.util.List;
import org.sparsetrain.pruning.SparsityConfig;
import org.sparsetrain.pruning.SparsityConfig.Key;
import org.sparsetrain.pruning.SparsityMethods;
import org.sparsetrain.pruning.distribution.SparsityDistribution;
import org.sparsetrain.pruning.schedule.CubicSparsity;
import org.sparsetrain.training.nn.Init;
import org.sparsetrain.training.nn.Network;

/**
 * Per-layer targets of gradual pruning: layer l moves from its density under the distribution at
 * s_i to its density at s_f along Zhu &amp; Gupta's cubic, {@code d_l(t) = d_l(s_f) + (d_l(s_i) − d_l(s_f))·(1−p)³},
 * so the global sparsity follows the cubic exactly. Pruning happens every ΔT steps after t₀ and at
 * t_f itself (so s_f is reached even when t_f − t₀ is not a multiple of ΔT).
 */
public record GradualTargets(SparsityDistribution distribution, CubicSparsity cubic, long every) implements Serializable {
  /** s_i: the sparsity gradual pruning starts from. */
  public static final Key INITIAL_SPARSITY =
      new Key("initial_sparsity", 0.0, "s_i of gradual pruning (gmp, granet, random); 0 starts dense");
  /** t₀: the first pruning step follows it. */
  public static final Key PRUNE_BEGIN = new Key("prune_begin", -1L, "t0 of gradual pruning (-1: t_begin)");
  /** t_f: the last pruning step, where s_f is reached. */
  public static final Key PRUNE_END = new Key("prune_end", -1L, "t_f of gradual pruning (-1: t_end)");
  /** The keys of every gradual method ({@code gmp}, {@code random}, {@code granet}). */
  public static final List<Key> KEYS = List.of(INITIAL_SPARSITY, PRUNE_BEGIN, PRUNE_END);

  public GradualTargets {
    if (every <= 0) {
      throw new IllegalArgumentException("sparsity.update_every must be > 0, got " + every);
    }
  }

  /**
   * The targets of a gradual method's config for a run of {@code totalSteps} steps: from
   * {@code initial_sparsity} to {@code target} between {@code prune_begin} (-1: {@code t_begin}) and
   * {@code prune_end} (-1: {@code t_end}), every {@code update_every} steps. Checks its keys.
   */
  public static GradualTargets of(SparsityConfig c, long totalSteps) {
    double initial = c.getDouble(INITIAL_SPARSITY.name());
    long begin = c.getLong(PRUNE_BEGIN.name());
    long end = c.getLong(PRUNE_END.name());
    if (!(initial >= 0 && initial <= c.target())) {
      throw new IllegalArgumentException("sparsity.initial_sparsity must be in [0, target], got " + initial);
    }
    if (end >= 0 && end < Math.max(0, begin)) {
      throw new IllegalArgumentException("sparsity.prune_end (" + end + ") precedes sparsity.prune_begin (" + begin + ")");
    }
    CubicSparsity cubic = new CubicSparsity(initial, c.target(), begin >= 0 ? begin : c.tBegin(),
        end >= 0 ? end : c.resolvedTEnd(totalSteps));
    return new GradualTargets(SparsityMethods.distribution(c), cubic, c.updateEvery());
  }

  boolean prunesAt(long t) {
    return t > cubic.t0() && t <= cubic.tf() && ((t - cubic.t0()) % every == 0 || t == cubic.tf());
  }

  /** The last pruning step at or before t (t₀ if none yet). */
  long lastPruneStep(long t) {
    if (t <= cubic.t0()) {
      return cubic.t0();
    }
    if (t >= cubic.tf()) {
      return cubic.tf();
    }
    return cubic.t0() + (t - cubic.t0()) / every * every;
  }

  double[] initial(int[] sizes) {
    if (cubic.initial() == 0) {
      double[] d = new double[sizes.length - 1];
      java.util.Arrays.fill(d, 1.0);
      return d;
    }
    return distribution.densities(sizes, cubic.initial());
  }

  /** Per-layer target densities after the pruning at step u. */
  double[] densities(int[] sizes, long u) {
    double[] di = initial(sizes);
    double[] df = distribution.densities(sizes, cubic.target());
    double c = cubic.initial() == cubic.target() ? 0 : (cubic.at(u) - cubic.target()) / (cubic.initial() - cubic.target());
    double[] d = new double[di.length];
    for (int l = 0; l < d.length; l++) {
      d[l] = df[l] + (Math.max(di[l], df[l]) - df[l]) * c;
    }
    return d;
  }

  /** Target non-zeros per layer after the pruning at step u. */
  int[] nnz(int[] sizes, long u) {
    double[] d = densities(sizes, u);
    int[] n = new int[d.length];
    for (int l = 0; l < d.length; l++) {
      n[l] = Init.nnzFor(Math.min(1, d[l]), sizes[l], sizes[l + 1]);
    }
    return n;
  }

  /** The global density of the per-layer targets after step u. */
  double globalDensity(int[] sizes, long u) {
    int[] n = nnz(sizes, u);
    double kept = 0;
    double total = 0;
    for (int l = 0; l < n.length; l++) {
      kept += n[l];
      total += (double) sizes[l] * sizes[l + 1];
    }
    return kept / total;
  }

  /**
   * Drop counts that bring the network to the targets of step u: per layer for a per-layer
   * criterion; for a global one the whole surplus sits in the first eligible layer's entry.
   */
  int[] dropCounts(Network net, long u, boolean global, boolean[] eligible) {
    int[] target = nnz(net.sizes(), u);
    int[] c = new int[target.length];
    if (!global) {
      for (int l = 0; l < c.length; l++) {
        c[l] = eligible[l] ? Math.max(0, net.layer(l).nnz() - target[l]) : 0;
      }
      return c;
    }
    long surplus = 0;
    int first = -1;
    for (int l = 0; l < c.length; l++) {
      surplus += net.layer(l).nnz() - target[l];
      if (eligible[l] && first < 0) {
        first = l;
      }
    }
    if (first >= 0 && surplus > 0) {
      c[first] = (int) surplus;
    }
    return c;
  }

  static boolean[] prunable(Network net) {
    boolean[] e = new boolean[net.layerCount()];
    for (int l = 0; l < e.length; l++) {
      e[l] = net.layer(l).isSparse() && net.layer(l).nnz() > 0;
    }
    return e;
  }

  /**
   * The per-layer target densities reported at step t: the densities of the last pruning step, or
   * the one global density in every layer when a global criterion decides.
   */
  public double[] reported(long t, int[] sizes, boolean global) {
    long u = lastPruneStep(t);
    if (global) {
      double[] d = new double[sizes.length - 1];
      java.util.Arrays.fill(d, globalDensity(sizes, u));
      return d;
    }
    return densities(sizes, u);
  }
}
