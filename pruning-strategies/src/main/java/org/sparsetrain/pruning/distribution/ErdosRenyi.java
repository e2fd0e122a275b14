package org.sparsetrain.pruning.distribution;

import java.util.Arrays;

/**
 * Erdős–Rényi densities (Mocanu et al. 2018; Evci et al. 2020): layer l gets density
 * {@code ε·r_l} with raw score {@code r_l = ((n_in + n_out)/(n_in·n_out))^power}; ε solves
 * {@code ε·Σ_{l∉D} r_l·N_l = (1−s)·Σ_l N_l − Σ_{l∈D} N_l}. Whenever some {@code ε·r_l > 1}, the
 * free layers with the largest score join the dense set D and ε is solved again (RigL's
 * dense-fallback loop). For fully connected layers ERK ({@link #kernel}) has the same score; the
 * kernel variant exists for the name and for {@code erk_power_scale}.
 */
public record ErdosRenyi(boolean kernel, double power) implements SparsityDistribution {
  public ErdosRenyi {
    if (!(power > 0)) {
      throw new IllegalArgumentException("sparsity.erk_power_scale must be > 0, got " + power);
    }
  }

  public static ErdosRenyi er() {
    return new ErdosRenyi(false, 1.0);
  }

  public static ErdosRenyi erk(double power) {
    return new ErdosRenyi(true, power);
  }

  @Override
  public double[] densities(int[] sizes, double s) {
    SparsityDistribution.checkSparsity(s);
    int layers = sizes.length - 1;
    double[] n = new double[layers];
    double[] raw = new double[layers];
    double total = 0;
    for (int l = 0; l < layers; l++) {
      n[l] = (double) sizes[l] * sizes[l + 1];
      raw[l] = Math.pow((sizes[l] + sizes[l + 1]) / n[l], power);
      total += n[l];
    }
    boolean[] dense = new boolean[layers];
    while (true) {
      double budget = (1 - s) * total;
      double denom = 0;
      for (int l = 0; l < layers; l++) {
        if (dense[l]) {
          budget -= n[l];
        } else {
          denom += raw[l] * n[l];
        }
      }
      double eps = denom == 0 ? 0 : budget / denom;
      double maxScore = -1;
      for (int l = 0; l < layers; l++) {
        if (!dense[l] && eps * raw[l] > 1) {
          maxScore = Math.max(maxScore, raw[l]);
        }
      }
      if (maxScore < 0) {
        double[] d = new double[layers];
        for (int l = 0; l < layers; l++) {
          d[l] = dense[l] ? 1.0 : eps * raw[l];
        }
        return d;
      }
      for (int l = 0; l < layers; l++) {
        if (!dense[l] && raw[l] == maxScore) {
          dense[l] = true;
        }
      }
      if (allDense(dense)) {
        double[] d = new double[layers];
        Arrays.fill(d, 1.0);
        return d;
      }
    }
  }

  private static boolean allDense(boolean[] d) {
    for (boolean b : d) {
      if (!b) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String name() {
    return kernel ? "erk" : "er";
  }
}
