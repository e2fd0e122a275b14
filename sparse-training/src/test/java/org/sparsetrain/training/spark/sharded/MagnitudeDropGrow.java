package org.sparsetrain.training.spark.sharded;

import java.util.Arrays;
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
 * Test methods shaped like the registered SET and RigL (which live in pruning-strategies, a module
 * that depends on this one): every {@code every} steps up to {@code until}, each sparse layer drops
 * ⌊nnz·α⌋ weights and grows as many among the positions inactive after the drop — at random keyed
 * by (seed, step, layer) (SET), or by the largest |∂L/∂w| (dense gradient for inactive positions,
 * sparse gradient for just-dropped ones; ties by position) with the optimizer skipped (RigL).
 * {@code Drop.RANDOM} drops at random instead, which the sharded mode must refuse.
 */
class MagnitudeDropGrow implements SparsityMethod {
  private static final long serialVersionUID = 1L;

  enum Grow { RANDOM, GRADIENT }

  enum Drop { MAGNITUDE, RANDOM }

  private final Grow grow;
  private final Drop drop;
  private final int every;
  private final int until;
  private final double density;
  private final double alpha;

  MagnitudeDropGrow(Grow grow, Drop drop, int every, int until, double density, double alpha) {
    this.grow = grow;
    this.drop = drop;
    this.every = every;
    this.until = until;
    this.density = density;
    this.alpha = alpha;
  }

  @Override public String name() { return grow == Grow.GRADIENT ? "test-rigl" : "test-set"; }

  @Override
  public double[] initialDensities(int[] sizes) {
    double[] d = new double[sizes.length - 1];
    Arrays.fill(d, density);
    d[d.length - 1] = 1.0;
    return d;
  }

  @Override public boolean updatesAt(long t) { return t % every == 0 && t <= until; }
  @Override public boolean skipsOptimizerOnUpdate() { return grow == Grow.GRADIENT; }
  @Override public GrowthInput growthInput(long t) { return grow == Grow.GRADIENT ? GrowthInput.DENSE_GRADIENT : GrowthInput.NONE; }

  @Override
  public MaskDecision decide(long t, MaskUpdateContext ctx) {
    Network net = ctx.network();
    LayerChange[] out = new LayerChange[net.layerCount()];
    for (int l = 0; l < net.layerCount(); l++) {
      Layer layer = net.layer(l);
      if (!layer.isSparse() || layer.density() >= 1.0) {
        continue;
      }
      int n = (int) Math.floor(layer.nnz() * alpha);
      int[] dropped = drop == Drop.MAGNITUDE ? smallest(layer.values(), n) : randomIndices(layer.nnz(), n, ctx.seed(), t, l);
      long[] grown = grow == Grow.GRADIENT ? byGradient(ctx, l, dropped, n) : atRandom(layer, dropped, n, ctx.seed(), t, l);
      out[l] = new LayerChange(dropped, grown);
    }
    return new MaskDecision(out);
  }

  /** The n smallest |v| by (|v|, index), ascending indices. */
  static int[] smallest(float[] v, int n) {
    long[] keys = new long[v.length];
    for (int i = 0; i < v.length; i++) {
      keys[i] = ((long) Float.floatToIntBits(Math.abs(v[i])) << 32) | i;
    }
    Arrays.sort(keys);
    int[] d = new int[n];
    for (int i = 0; i < n; i++) {
      d[i] = (int) keys[i];
    }
    Arrays.sort(d);
    return d;
  }

  private static int[] randomIndices(int nnz, int n, long seed, long t, int l) {
    SplittableRandom r = Rng.of(seed, t, l, 0x64726F70L);
    int[] perm = new int[nnz];
    for (int i = 0; i < nnz; i++) {
      perm[i] = i;
    }
    for (int i = 0; i < n; i++) {
      int j = i + r.nextInt(nnz - i);
      int x = perm[i];
      perm[i] = perm[j];
      perm[j] = x;
    }
    int[] d = Arrays.copyOf(perm, n);
    Arrays.sort(d);
    return d;
  }

  /** Positions inactive after the drop, ascending. */
  private static long[] inactiveAfter(Layer layer, int[] dropped) {
    int in = layer.inFeatures();
    int[] rp = layer.rowPtr();
    int[] ci = layer.colIdx();
    boolean[] gone = new boolean[ci.length];
    for (int k : dropped) {
      gone[k] = true;
    }
    long[] pos = new long[in * layer.outFeatures() - layer.nnz() + dropped.length];
    int j = 0;
    for (int r = 0; r < layer.outFeatures(); r++) {
      int k = rp[r];
      for (int c = 0; c < in; c++) {
        boolean active = false;
        if (k < rp[r + 1] && ci[k] == c) {
          active = !gone[k];
          k++;
        }
        if (!active) {
          pos[j++] = (long) r * in + c;
        }
      }
    }
    return pos;
  }

  private static long[] atRandom(Layer layer, int[] dropped, int n, long seed, long t, int l) {
    long[] pool = inactiveAfter(layer, dropped);
    SplittableRandom r = Rng.of(seed, t, l, 0x67726F77L);
    for (int i = 0; i < n; i++) {
      int j = i + r.nextInt(pool.length - i);
      long x = pool[i];
      pool[i] = pool[j];
      pool[j] = x;
    }
    long[] g = Arrays.copyOf(pool, n);
    Arrays.sort(g);
    return g;
  }

  private static long[] byGradient(MaskUpdateContext ctx, int l, int[] dropped, int n) {
    Layer layer = ctx.network().layer(l);
    int in = layer.inFeatures();
    int[] rp = layer.rowPtr();
    float[] g = ctx.gradient();
    int off = ctx.layout().weightOffset(l);
    java.util.List<long[]> cand = new java.util.ArrayList<>();   // {|g| bits, position}
    for (int k : dropped) {
      int row = 0;
      while (rp[row + 1] <= k) {
        row++;
      }
      cand.add(new long[] {Float.floatToIntBits(Math.abs(g[off + k])), (long) row * in + layer.colIdx()[k]});
    }
    ctx.inactiveGradient(l, (pos, grad, count) -> {
      for (int i = 0; i < count; i++) {
        cand.add(new long[] {Float.floatToIntBits(Math.abs(grad[i])), pos[i]});
      }
    });
    cand.sort((a, b) -> a[0] != b[0] ? Long.compare(b[0], a[0]) : Long.compare(a[1], b[1]));
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = cand.get(i)[1];
    }
    Arrays.sort(out);
    return out;
  }
}
