package org.sparsetrain.pruning.method;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.sparsetrain.pruning.SparsityConfig;
import org.sparsetrain.pruning.SparsityConfig.Key;
import org.sparsetrain.pruning.SparsityMethods;
import org.sparsetrain.pruning.schedule.UpdateSchedule;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.sparsity.GrowthInput;
import org.sparsetrain.training.sparsity.LayerChange;
import org.sparsetrain.training.sparsity.MaskDecision;
import org.sparsetrain.training.sparsity.MaskUpdateContext;
import org.sparsetrain.training.sparsity.Requirement;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * N:M structured sparsity (Zhou et al. 2021): in every group of M consecutive weights along the
 * input dimension ({@code row r, columns [jM, (j+1)M)}) exactly N are non-zero, with SR-STE.
 *
 * <p><b>Representation.</b> Our layers store only active weights (O(nnz) values and optimizer
 * state); there is no shadow dense copy of W. So:
 * <ul>
 *   <li>Training starts dense (SR-STE masks a dense W). After step 1 every group is projected to
 *   its N largest |w| and from then on holds exactly N stored weights, so the reported density is
 *   the true N/M.</li>
 *   <li>{@link #adjustGradient} adds SR-STE's {@code λ_w·(1−E)⊙W} to the gradient of every stored
 *   weight outside its group's top-N (E = the N:M mask of the current |W|). A group never stores
 *   more than N after the first projection, so the term acts on the dense first step; a weight
 *   that leaves the mask is dropped, i.e. reset to the zero that the decay drives it to.</li>
 *   <li>At each mask update (step 1, then every ΔT in [t_begin, t_end]; the optimizer step comes
 *   first) each group re-selects its N among all M positions: a stored weight competes with |w|, a
 *   masked-out position with the value one SR-STE step from zero gives it, {@code −η_t·∂L/∂w} (the
 *   straight-through dense gradient of the step; η_t from the trainer). Equal scores go to the lower
 *   column. A position that enters starts at that value with zero optimizer state.</li>
 * </ul>
 * Unlike SR-STE, a masked-out weight's history is not kept across updates; ΔT = 1 recomputes the
 * mask every step as SR-STE does, larger ΔT trades fidelity for fewer dense-gradient passes.
 */
public record NmSparsity(int n, int m, double lambda, UpdateSchedule schedule) implements SparsityMethod {
  public NmSparsity {
    if (m < 1 || n < 1 || n > m) {
      throw new IllegalArgumentException("N:M needs 1 <= N <= M, got N=" + n + ", M=" + m
          + " (sparsity.nm_n, sparsity.nm_m)");
    }
    if (!(lambda >= 0)) {
      throw new IllegalArgumentException("sparsity.srste_lambda must be >= 0, got " + lambda);
    }
  }

  /** N. */
  public static final Key N = new Key("nm_n", 2, "N of N:M: weights kept in every group");
  /** M. */
  public static final Key M = new Key("nm_m", 4, "M of N:M: group length along the input dimension");
  /** λ_w. */
  public static final Key SRSTE_LAMBDA = new Key("srste_lambda", 2e-4, "λ_w of SR-STE's decay of masked-out weights");
  /** N:M's keys. */
  public static final List<Key> KEYS = List.of(N, M, SRSTE_LAMBDA);

  /** {@code sparsity.method: nm}: mask updates at step 1, then every {@code update_every} in [t_begin, t_end]. */
  public static NmSparsity create(SparsityConfig c, long totalSteps) {
    int n = c.getInt(N.name());
    int m = c.getInt(M.name());
    double lambda = c.getDouble(SRSTE_LAMBDA.name());
    if (m < 1) {
      throw new IllegalArgumentException("sparsity.nm_m must be >= 1, got " + m);
    }
    if (n < 1 || n > m) {
      throw new IllegalArgumentException("sparsity.nm_n must be in [1, nm_m=" + m + "], got " + n);
    }
    if (!(lambda >= 0)) {
      throw new IllegalArgumentException("sparsity.srste_lambda must be >= 0, got " + lambda);
    }
    return new NmSparsity(n, m, lambda, SparsityMethods.schedule(c, totalSteps));
  }

  @Override public String name() { return "nm"; }

  /** SR-STE's term and the groups' re-selection read every weight of a group, stored or not. */
  @Override public Set<Requirement> requirements() { return Set.of(Requirement.WHOLE_GROUPS_ON_DRIVER); }

  /** Checks every layer's input width is a multiple of M; dense to start. */
  @Override
  public double[] initialDensities(int[] sizes) {
    check(sizes);
    double[] d = new double[sizes.length - 1];
    Arrays.fill(d, 1.0);
    return d;
  }

  /** Throws if some layer's input width is not a multiple of M. */
  public void check(int[] sizes) {
    for (int l = 0; l + 1 < sizes.length; l++) {
      if (sizes[l] % m != 0) {
        throw new IllegalArgumentException("N:M " + n + ":" + m + " needs every layer's input width divisible by M="
            + m + ", but layer " + l + " has " + sizes[l] + " inputs");
      }
    }
  }

  @Override public boolean updatesAt(long t) { return t == 1 || schedule.updatesAt(t); }
  @Override public GrowthInput growthInput(long t) { return GrowthInput.DENSE_GRADIENT; }

  @Override
  public double[] targetDensities(long t, int[] sizes) {
    double[] d = new double[sizes.length - 1];
    Arrays.fill(d, t >= 1 ? (double) n / m : 1.0);
    return d;
  }

  @Override
  public void adjustGradient(long t, MaskUpdateContext ctx) {
    if (lambda == 0) {
      return;
    }
    Network net = ctx.network();
    float[] g = ctx.gradient();
    float lw = (float) lambda;
    for (int l = 0; l < net.layerCount(); l++) {
      Layer layer = net.layer(l);
      int off = ctx.layout().weightOffset(l);
      float[] w = layer.values();
      int[] rp = layer.rowPtr();
      int[] ci = layer.colIdx();
      for (int r = 0; r + 1 < rp.length; r++) {
        int k = rp[r];
        while (k < rp[r + 1]) {
          int group = ci[k] / m;
          int e = k;
          while (e < rp[r + 1] && ci[e] / m == group) {
            e++;
          }
          if (e - k > n) {
            for (int j : outsideTopN(w, k, e)) {
              g[off + j] += lw * w[j];
            }
          }
          k = e;
        }
      }
    }
  }

  /** Stored indices in [k, e) that are not among the N largest |w| (ties: lower index kept). */
  private int[] outsideTopN(float[] w, int k, int e) {
    Integer[] idx = new Integer[e - k];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = k + i;
    }
    Arrays.sort(idx, (a, b) -> {
      int c = Float.compare(Math.abs(w[b]), Math.abs(w[a]));
      return c != 0 ? c : Integer.compare(a, b);
    });
    int[] out = new int[idx.length - n];
    for (int i = n; i < idx.length; i++) {
      out[i - n] = idx[i];
    }
    return out;
  }

  @Override
  public MaskDecision decide(long t, MaskUpdateContext ctx) {
    Network net = ctx.network();
    float lr = ctx.learningRate();
    LayerChange[] changes = new LayerChange[net.layerCount()];
    for (int l = 0; l < changes.length; l++) {
      Layer layer = net.layer(l);
      long total = (long) layer.inFeatures() * layer.outFeatures();
      Inactive inactive = new Inactive((int) (total - layer.nnz()));
      if (layer.nnz() < total) {
        if (Float.isNaN(lr)) {
          throw new IllegalStateException("nm needs the learning rate to score masked-out weights; this trainer gives none");
        }
        ctx.inactiveGradient(l, inactive::add);
      }
      changes[l] = layer(layer, inactive, lr);
    }
    return new MaskDecision(changes);
  }

  /** Inactive positions and their dense gradient, ascending. */
  private static final class Inactive {
    final long[] pos;
    final float[] grad;
    int size;

    Inactive(int capacity) {
      pos = new long[capacity];
      grad = new float[capacity];
    }

    void add(long[] p, float[] g, int count) {
      System.arraycopy(p, 0, pos, size, count);
      System.arraycopy(g, 0, grad, size, count);
      size += count;
    }
  }

  private LayerChange layer(Layer layer, Inactive ia, float lr) {
    int in = layer.inFeatures();
    int[] rp = layer.rowPtr();
    int[] ci = layer.colIdx();
    float[] w = layer.values();
    int[] drop = new int[layer.nnz()];
    int nd = 0;
    long[] grow = new long[ia.size];
    float[] growValues = new float[ia.size];
    int ng = 0;
    int q = 0;   // cursor into the inactive positions
    // per group: candidates (score, column, stored index or -1-inactiveIndex)
    double[] score = new double[m];
    int[] col = new int[m];
    int[] ref = new int[m];
    Integer[] order = new Integer[m];
    for (int r = 0; r + 1 < rp.length; r++) {
      int k = rp[r];
      long rowBase = (long) r * in;
      for (int g0 = 0; g0 < in; g0 += m) {
        int c = 0;
        while (k < rp[r + 1] && ci[k] < g0 + m) {
          score[c] = Math.abs(w[k]);
          col[c] = ci[k];
          ref[c++] = k++;
        }
        while (q < ia.size && ia.pos[q] < rowBase + g0 + m) {
          score[c] = Math.abs((double) lr * ia.grad[q]);
          col[c] = (int) (ia.pos[q] - rowBase);
          ref[c++] = -1 - q++;
        }
        if (c <= n) {
          for (int i = 0; i < c; i++) {
            if (ref[i] < 0) {
              int qi = -1 - ref[i];
              grow[ng] = ia.pos[qi];
              growValues[ng++] = -lr * ia.grad[qi];
            }
          }
          continue;
        }
        for (int i = 0; i < c; i++) {
          order[i] = i;
        }
        Arrays.sort(order, 0, c, (a, b) -> {
          int cmp = Double.compare(score[b], score[a]);
          return cmp != 0 ? cmp : Integer.compare(col[a], col[b]);
        });
        for (int i = 0; i < c; i++) {
          int x = order[i];
          boolean keep = i < n;
          if (ref[x] >= 0 && !keep) {
            drop[nd++] = ref[x];
          } else if (ref[x] < 0 && keep) {
            int qi = -1 - ref[x];
            grow[ng] = ia.pos[qi];
            growValues[ng++] = -lr * ia.grad[qi];
          }
        }
      }
    }
    int[] d = Arrays.copyOf(drop, nd);
    Arrays.sort(d);
    long[] gp = Arrays.copyOf(grow, ng);
    float[] gv = Arrays.copyOf(growValues, ng);
    if (nd == 0 && ng == 0) {
      return null;
    }
    return new LayerChange(d, gp, ng == 0 ? null : gv);
  }
}
