package org.sparsetrain.training.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.sparsity.GrowthInput;
import org.sparsetrain.training.sparsity.LayerChange;
import org.sparsetrain.training.sparsity.MaskDecision;
import org.sparsetrain.training.sparsity.MaskUpdateContext;
import org.sparsetrain.training.sparsity.SparsityMethod;
import org.sparsetrain.training.util.Rng;

/**
 * Test-only dynamic sparse training method (the real SET/RigL live in pruning-strategies, which
 * depends on this module): every {@code every} steps up to {@code until}, each layer drops the 30 %
 * smallest |w| (ties by index) and grows as many among the positions inactive before the update —
 * at random keyed by (seed, step, layer) like SET, or by the largest dense |gradient| (ties by
 * position) like RigL, which also skips the optimizer on update steps. Records what it saw.
 */
final class DropGrowMethod implements SparsityMethod {
  private static final long serialVersionUID = 1L;

  /** What a gradient-growth decision saw for one layer. */
  static final class Seen {
    long step;
    int layer;
    Network before;
    long[] positions;
    float[] gradient;
    long[] grown;
    int blocks;
    int largestBlock;
  }

  private final boolean gradient;
  private final int every;
  private final int until;
  private final double density;
  /** Whether it declares that it reads only the n largest inactive |g| per layer (as RigL does). */
  private final boolean largestOnly;
  transient List<Seen> seen = new ArrayList<>();

  DropGrowMethod(boolean gradient, int every, int until, double density) {
    this(gradient, every, until, density, false);
  }

  DropGrowMethod(boolean gradient, int every, int until, double density, boolean largestOnly) {
    this.gradient = gradient;
    this.every = every;
    this.until = until;
    this.density = density;
    this.largestOnly = largestOnly;
  }

  @Override public String name() { return gradient ? "test-rigl" : "test-set"; }

  @Override
  public double[] initialDensities(int[] sizes) {
    double[] d = new double[sizes.length - 1];
    Arrays.fill(d, density);
    d[d.length - 1] = 1.0;
    return d;
  }

  @Override public boolean updatesAt(long t) { return t % every == 0 && t <= until; }
  @Override public boolean skipsOptimizerOnUpdate() { return gradient; }
  @Override public GrowthInput growthInput(long t) { return gradient ? GrowthInput.DENSE_GRADIENT : GrowthInput.NONE; }

  @Override
  public int[] largestInactiveGradients(long t, Network net) {
    if (!largestOnly) {
      return null;
    }
    int[] m = new int[net.layerCount()];
    for (int l = 0; l < m.length - 1; l++) {
      m[l] = (int) Math.floor(net.layer(l).nnz() * 0.3);
    }
    return m;
  }

  @Override
  public MaskDecision decide(long t, MaskUpdateContext ctx) {
    Network net = ctx.network();
    LayerChange[] changes = new LayerChange[net.layerCount()];
    for (int l = 0; l < net.layerCount() - 1; l++) {
      Layer layer = net.layer(l);
      int nnz = layer.nnz();
      int n = (int) Math.floor(nnz * 0.3);
      Integer[] order = new Integer[nnz];
      for (int k = 0; k < nnz; k++) {
        order[k] = k;
      }
      float[] v = layer.values();
      Arrays.sort(order, (a, b) -> {
        int c = Float.compare(Math.abs(v[a]), Math.abs(v[b]));
        return c != 0 ? c : Integer.compare(a, b);
      });
      int[] drop = new int[n];
      for (int i = 0; i < n; i++) {
        drop[i] = order[i];
      }
      Arrays.sort(drop);
      long[] grow = gradient ? growByGradient(t, l, n, ctx) : growAtRandom(t, l, n, layer, ctx.seed());
      changes[l] = new LayerChange(drop, grow);
    }
    return new MaskDecision(changes);
  }

  private long[] growAtRandom(long t, int l, int n, Layer layer, long seed) {
    List<Long> inactive = new ArrayList<>();
    int in = layer.inFeatures();
    int[] rp = layer.rowPtr();
    int[] ci = layer.colIdx();
    for (int r = 0; r < layer.outFeatures(); r++) {
      int k = rp[r];
      for (int c = 0; c < in; c++) {
        if (k < rp[r + 1] && ci[k] == c) {
          k++;
        } else {
          inactive.add((long) r * in + c);
        }
      }
    }
    SplittableRandom rnd = Rng.of(seed, t, l, 0x67726F77L);
    long[] g = new long[n];
    for (int i = 0; i < n; i++) {
      int j = i + rnd.nextInt(inactive.size() - i);
      Long tmp = inactive.get(i);
      inactive.set(i, inactive.get(j));
      inactive.set(j, tmp);
      g[i] = inactive.get(i);
    }
    Arrays.sort(g);
    return g;
  }

  private long[] growByGradient(long t, int l, int n, MaskUpdateContext ctx) {
    List<long[]> pos = new ArrayList<>();
    List<float[]> grad = new ArrayList<>();
    int[] stats = new int[3];
    ctx.inactiveGradient(l, (p, g, count) -> {
      pos.add(Arrays.copyOf(p, count));
      grad.add(Arrays.copyOf(g, count));
      stats[0]++;
      stats[1] = Math.max(stats[1], count);
      stats[2] += count;
    });
    long[] allPos = new long[stats[2]];
    float[] allGrad = new float[stats[2]];
    int o = 0;
    for (int b = 0; b < pos.size(); b++) {
      System.arraycopy(pos.get(b), 0, allPos, o, pos.get(b).length);
      System.arraycopy(grad.get(b), 0, allGrad, o, grad.get(b).length);
      o += pos.get(b).length;
    }
    long[] grown = topK(allPos, allGrad, n);
    if (seen != null) {
      Seen s = new Seen();
      s.step = t;
      s.layer = l;
      s.before = ctx.network().copy();
      s.positions = allPos;
      s.gradient = allGrad;
      s.grown = grown;
      s.blocks = stats[0];
      s.largestBlock = stats[1];
      seen.add(s);
    }
    return grown;
  }

  /** The k positions with the largest |g|, ties by position; sorted ascending. */
  static long[] topK(long[] pos, float[] g, int k) {
    Integer[] order = new Integer[pos.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> {
      int c = Float.compare(Math.abs(g[b]), Math.abs(g[a]));
      return c != 0 ? c : Long.compare(pos[a], pos[b]);
    });
    long[] out = new long[Math.min(k, pos.length)];
    for (int i = 0; i < out.length; i++) {
      out[i] = pos[order[i]];
    }
    Arrays.sort(out);
    return out;
  }
}
