package org.sparsetrain.pruning.soup;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.sparsetrain.pruning.criteria.PruneCriterion;
import org.sparsetrain.pruning.prune.GlobalMagnitudePrune;
import org.sparsetrain.training.nn.DenseLinear;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.SparseLinear;
import org.sparsetrain.training.sparsity.LayerChange;
import org.sparsetrain.training.sparsity.MaskApplier;
import org.sparsetrain.training.sparsity.MaskDecision;

/**
 * Model soups (Wortsman et al. 2022) of sparse networks, as in Sparse Model Soups (Zimmer, Spiegel,
 * Pokutta 2023): ingredients retrained from one pruned model share its mask, so the average of
 * their stored values is a network with exactly that mask.
 *
 * <ul>
 *   <li>{@link #uniform}: the mean of all ingredients' values and biases; refuses ingredients
 *       whose masks differ (name the first layer and row where they do).</li>
 *   <li>{@link #greedy}: ingredients in order of validation accuracy (descending, ties by index);
 *       the best one starts the soup and each next one stays in only if the soup's validation
 *       accuracy does not get worse. The evaluation is a function, so the caller decides on
 *       which data (and where) it runs.</li>
 *   <li>{@link #unionPruned}: for runs whose masks differ (e.g. dynamic sparse runs that did not
 *       end on one mask): the mean over the union of the masks (a weight absent from an
 *       ingredient counts as 0 there), then global magnitude re-pruning to a target density.</li>
 * </ul>
 *
 * <p>Means are summed in double in ingredient order and rounded once to float, so a soup is a
 * pure function of its ingredients and their order.
 */
public final class Soups {
  private Soups() {}

  /** A greedy soup: the network, the validation order, the chosen ingredients and the soup's score. */
  public record Greedy(Network soup, int[] order, int[] chosen, double validationAccuracy) {}

  /** A union-averaged, re-pruned soup and the global density it reached. */
  public record Union(Network soup, long nnz, double density, long unionNnz) {}

  /** Whether two networks have the same shape and the same mask in every layer. */
  public static boolean sameMask(Network a, Network b) {
    return maskDifference(a, b) == null;
  }

  /** Where two masks first differ, or null when they are equal. */
  static String maskDifference(Network a, Network b) {
    if (!Arrays.equals(a.sizes(), b.sizes())) {
      return "layer sizes " + Arrays.toString(a.sizes()) + " vs " + Arrays.toString(b.sizes());
    }
    for (int l = 0; l < a.layerCount(); l++) {
      Layer x = a.layer(l);
      Layer y = b.layer(l);
      if (x.nnz() != y.nnz()) {
        return "layer " + l + " has " + x.nnz() + " vs " + y.nnz() + " non-zeros";
      }
      if (x.isSparse() != y.isSparse() || !x.isSparse()) {
        continue; // dense layers (and a dense vs a full sparse layer) with equal nnz hold every position
      }
      int[] rx = x.rowPtr();
      int[] ry = y.rowPtr();
      int[] cx = x.colIdx();
      int[] cy = y.colIdx();
      for (int r = 0; r + 1 < rx.length; r++) {
        if (rx[r + 1] != ry[r + 1] || !Arrays.equals(cx, rx[r], rx[r + 1], cy, ry[r], ry[r + 1])) {
          return "layer " + l + " row " + r + " holds different columns";
        }
      }
    }
    return null;
  }

  /** The uniform soup: mean of every ingredient's values and biases, on their shared mask. */
  public static Network uniform(List<Network> ingredients) {
    int[] all = new int[ingredients.size()];
    Arrays.setAll(all, i -> i);
    return average(ingredients, all);
  }

  /**
   * The mean of the chosen ingredients (indices into {@code ingredients}); the result has its own
   * arrays and the mask (and layer kinds) of the first chosen ingredient.
   *
   * @throws IllegalArgumentException when nothing is chosen or the masks differ
   */
  public static Network average(List<Network> ingredients, int[] chosen) {
    if (chosen.length == 0) {
      throw new IllegalArgumentException("a soup needs at least one ingredient");
    }
    Network first = ingredients.get(chosen[0]);
    for (int i = 1; i < chosen.length; i++) {
      String diff = maskDifference(first, ingredients.get(chosen[i]));
      if (diff != null) {
        throw new IllegalArgumentException("soup ingredients " + chosen[0] + " and " + chosen[i]
            + " do not share one mask (" + diff + "); average runs with differing masks with the union mode"
            + " (union-average, then magnitude re-pruning to a target density)");
      }
    }
    List<Layer> layers = new ArrayList<>();
    for (int l = 0; l < first.layerCount(); l++) {
      Layer f = first.layer(l);
      double[] v = new double[f.nnz()];
      double[] b = new double[f.outFeatures()];
      for (int i : chosen) {
        Layer x = ingredients.get(i).layer(l);
        add(v, x.values());
        add(b, x.bias());
      }
      float[] mv = mean(v, chosen.length);
      float[] mb = mean(b, chosen.length);
      layers.add(f.isSparse()
          ? new SparseLinear(f.inFeatures(), f.outFeatures(), f.rowPtr().clone(), f.colIdx().clone(), mv, mb)
          : new DenseLinear(f.inFeatures(), f.outFeatures(), mv, mb));
    }
    return new Network(layers, first.hiddenActivation(), first.loss());
  }

  /**
   * The greedy soup with the ingredients' validation accuracies computed by {@code evaluate}.
   */
  public static Greedy greedy(List<Network> ingredients, ToDoubleFunction<Network> evaluate) {
    double[] acc = new double[ingredients.size()];
    for (int i = 0; i < acc.length; i++) {
      acc[i] = evaluate.applyAsDouble(ingredients.get(i));
    }
    return greedy(ingredients, acc, evaluate);
  }

  /**
   * The greedy soup: ingredients sorted by {@code validationAccuracy} (descending, ties by the
   * lower index); the best is the first soup; each next ingredient is added when the soup with it
   * scores (by {@code evaluate}) at least as well as the soup without it. So the soup's validation
   * score is never below the best ingredient's (it starts there and never drops).
   */
  public static Greedy greedy(List<Network> ingredients, double[] validationAccuracy, ToDoubleFunction<Network> evaluate) {
    int m = ingredients.size();
    if (m == 0) {
      throw new IllegalArgumentException("a soup needs at least one ingredient");
    }
    if (validationAccuracy.length != m) {
      throw new IllegalArgumentException(m + " ingredients but " + validationAccuracy.length + " validation scores");
    }
    int[] order = validationOrder(validationAccuracy);
    List<Integer> chosen = new ArrayList<>();
    chosen.add(order[0]);
    Network soup = average(ingredients, new int[] {order[0]});
    double best = validationAccuracy[order[0]];
    for (int k = 1; k < m; k++) {
      int[] trial = new int[chosen.size() + 1];
      for (int i = 0; i < chosen.size(); i++) {
        trial[i] = chosen.get(i);
      }
      trial[chosen.size()] = order[k];
      Network candidate = average(ingredients, trial);
      double score = evaluate.applyAsDouble(candidate);
      if (score >= best) {
        chosen.add(order[k]);
        soup = candidate;
        best = score;
      }
    }
    return new Greedy(soup, order, chosen.stream().mapToInt(Integer::intValue).toArray(), best);
  }

  /** Indices sorted by score descending, ties by the lower index. */
  public static int[] validationOrder(double[] score) {
    Integer[] idx = new Integer[score.length];
    Arrays.setAll(idx, i -> i);
    Arrays.sort(idx, (a, b) -> {
      int c = Double.compare(score[b], score[a]);
      return c != 0 ? c : Integer.compare(a, b);
    });
    return Arrays.stream(idx).mapToInt(Integer::intValue).toArray();
  }

  /**
   * Union-average followed by global magnitude re-pruning: the mean over the union of all masks
   * (absent weights count as 0), biases averaged, then the smallest |w| over all layers dropped
   * until exactly {@code round(targetDensity · Σ in·out)} weights remain (or the union, if it is
   * smaller). Every layer of the result is sparse.
   */
  public static Union unionPruned(List<Network> ingredients, double targetDensity) {
    return unionPruned(ingredients, targetDensity, new GlobalMagnitudePrune());
  }

  /** As {@link #unionPruned(List, double)} with another prune criterion (a global one re-prunes globally). */
  public static Union unionPruned(List<Network> ingredients, double targetDensity, PruneCriterion prune) {
    if (ingredients.isEmpty()) {
      throw new IllegalArgumentException("a soup needs at least one ingredient");
    }
    if (!(targetDensity > 0 && targetDensity <= 1)) {
      throw new IllegalArgumentException("target density must be in (0, 1], got " + targetDensity);
    }
    Network first = ingredients.get(0);
    int[] sizes = first.sizes();
    for (Network n : ingredients) {
      if (!Arrays.equals(sizes, n.sizes())) {
        throw new IllegalArgumentException("soup ingredients have different layer sizes: "
            + Arrays.toString(sizes) + " vs " + Arrays.toString(n.sizes()));
      }
    }
    int m = ingredients.size();
    List<Layer> layers = new ArrayList<>();
    long dense = 0;
    for (int l = 0; l < first.layerCount(); l++) {
      int in = sizes[l];
      int out = sizes[l + 1];
      dense += (long) in * out;
      int[] rp = new int[out + 1];
      List<int[]> rowsCols = new ArrayList<>();
      List<double[]> rowsVals = new ArrayList<>();
      double[] bias = new double[out];
      int[][] rpi = new int[m][];
      int[][] cii = new int[m][];
      float[][] vi = new float[m][];
      for (int i = 0; i < m; i++) {
        Layer x = ingredients.get(i).layer(l);
        rpi[i] = x.rowPtr();
        cii[i] = x.colIdx();
        vi[i] = x.values();
        add(bias, x.bias());
      }
      double[] rowSum = new double[in];
      boolean[] present = new boolean[in];
      for (int r = 0; r < out; r++) {
        for (int i = 0; i < m; i++) {
          for (int k = rpi[i][r]; k < rpi[i][r + 1]; k++) {
            int c = cii[i][k];
            present[c] = true;
            rowSum[c] += vi[i][k];
          }
        }
        int count = 0;
        for (int c = 0; c < in; c++) {
          if (present[c]) {
            count++;
          }
        }
        int[] cols = new int[count];
        double[] vals = new double[count];
        int j = 0;
        for (int c = 0; c < in; c++) {
          if (present[c]) {
            cols[j] = c;
            vals[j++] = rowSum[c];
            present[c] = false;
            rowSum[c] = 0;
          }
        }
        rowsCols.add(cols);
        rowsVals.add(vals);
        rp[r + 1] = rp[r] + count;
      }
      int[] ci = new int[rp[out]];
      double[] v = new double[rp[out]];
      for (int r = 0; r < out; r++) {
        System.arraycopy(rowsCols.get(r), 0, ci, rp[r], rowsCols.get(r).length);
        System.arraycopy(rowsVals.get(r), 0, v, rp[r], rowsVals.get(r).length);
      }
      layers.add(new SparseLinear(in, out, rp, ci, mean(v, m), mean(bias, m)));
    }
    Network soup = new Network(layers, first.hiddenActivation(), first.loss());
    long unionNnz = soup.nnz();
    long keep = Math.round(targetDensity * dense);
    int layerCount = soup.layerCount();
    int[] counts = new int[layerCount];
    boolean[] eligible = new boolean[layerCount];
    Arrays.fill(eligible, true);
    if (prune.global()) {
      counts[0] = (int) Math.max(0, unionNnz - keep);
    } else {
      for (int l = 0; l < layerCount; l++) {
        long target = Math.round(targetDensity * sizes[l] * (long) sizes[l + 1]);
        counts[l] = (int) Math.max(0, soup.layer(l).nnz() - target);
      }
    }
    int[][] drops = prune.select(soup, counts, eligible, 0, 0);
    LayerChange[] changes = new LayerChange[layerCount];
    for (int l = 0; l < layerCount; l++) {
      if (drops[l].length > 0) {
        changes[l] = new LayerChange(drops[l], new long[0]);
      }
    }
    MaskApplier.apply(soup, null, new MaskDecision(changes));
    return new Union(soup, soup.nnz(), soup.nnz() / (double) dense, unionNnz);
  }

  private static void add(double[] acc, float[] x) {
    for (int k = 0; k < acc.length; k++) {
      acc[k] += x[k];
    }
  }

  private static float[] mean(double[] sum, int n) {
    float[] out = new float[sum.length];
    for (int k = 0; k < sum.length; k++) {
      out[k] = (float) (sum[k] / n);
    }
    return out;
  }
}
