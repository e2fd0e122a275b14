package org.sparsetrain.pruning;

import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code sparsity.*} keys of a job config, validated in the constructor (bad values fail before
 * training, naming the key). Step-valued keys may be left at -1 to take their defaults from the run
 * length or from other keys. The first ten components are the original ones and keep their order
 * and meaning; {@link #SparsityConfig(String, double, String, double, boolean, long, double, String, long, long)}
 * fills the rest with defaults, and {@link Builder} sets any key by its config name ({@link #KEYS}).
 *
 * @param method {@code dense}, {@code static}, {@code set}, {@code rigl}, {@code snfs}, {@code granet},
 *     {@code gmp}, {@code imp}, {@code random}, {@code nm}
 * @param target global sparsity s ∈ [0,1) (the final one for gradual methods)
 * @param distribution {@code erk}, {@code er}, {@code uniform}, {@code explicit}
 * @param erkPowerScale exponent of the ERK score (1 = RigL)
 * @param denseFirstLayer with {@code uniform}: keep the first layer dense
 * @param updateEvery ΔT: steps between mask updates
 * @param dropFraction α₀ ∈ [0,1]
 * @param dropSchedule {@code cosine}, {@code constant}, {@code exponential}
 * @param tBegin first step after which masks may change
 * @param tEnd last step at which masks may change (-1: 75 % of training)
 * @param prune prune criterion ({@code magnitude}, {@code global_magnitude}, {@code random},
 *     {@code signed_magnitude}); empty: the method's own
 * @param growth growth criterion ({@code random}, {@code gradient}, {@code momentum}, …); empty: the method's own
 * @param growInit value of a new connection: {@code zero}, {@code gradient}, {@code random}
 * @param redistribution regrowth budget between layers: {@code none} or {@code momentum}; empty: the method's own
 * @param dropExponent k of the exponential drop schedule
 * @param initialSparsity s_i of gradual pruning (gmp, granet, random); 0 = start dense
 * @param pruneBegin t₀ of gradual pruning (-1: t_begin)
 * @param pruneEnd t_f of gradual pruning (-1: t_end)
 * @param regenerationInitial GraNet's r at t_begin
 * @param regenerationFinal GraNet's r at t_end
 * @param nmN N of N:M (kept per group)
 * @param nmM M of N:M (group length along the input dimension)
 * @param srsteLambda λ_w of SR-STE
 * @param impPhases IMP pruning phases n
 * @param impRewindStep IMP rewinds surviving weights to their values after this step (0: initialisation)
 * @param impPhaseSteps steps of each IMP training phase (-1: the run length)
 * @param layerDensities with {@code explicit}: one density per weight layer
 */
public record SparsityConfig(String method, double target, String distribution, double erkPowerScale,
                             boolean denseFirstLayer, long updateEvery, double dropFraction, String dropSchedule,
                             long tBegin, long tEnd,
                             String prune, String growth, String growInit, String redistribution, double dropExponent,
                             double initialSparsity, long pruneBegin, long pruneEnd,
                             double regenerationInitial, double regenerationFinal,
                             int nmN, int nmM, double srsteLambda,
                             int impPhases, long impRewindStep, long impPhaseSteps,
                             double[] layerDensities) implements Serializable {

  /** Config key (after {@code sparsity.}), default and one line of documentation. */
  public record Key(String name, Object defaultValue, String doc) {}

  /** Every key, in the order of the record, with its default. */
  public static final List<Key> KEYS = List.of(
      new Key("method", "set", "dense, static, set, rigl, snfs, granet, gmp, imp, random, nm"),
      new Key("target", 0.9, "global sparsity s in [0,1) over all weight layers (final sparsity for gradual methods)"),
      new Key("distribution", "erk", "erk, er, uniform, explicit"),
      new Key("erk_power_scale", 1.0, "exponent of the ERK score"),
      new Key("dense_first_layer", false, "uniform only: keep the first layer dense"),
      new Key("update_every", 100L, "ΔT: steps between mask updates"),
      new Key("drop_fraction", 0.3, "α₀ in [0,1]: fraction of non-zeros replaced at an update"),
      new Key("drop_schedule", "cosine", "cosine, constant, exponential"),
      new Key("t_begin", 0L, "first step after which masks may change"),
      new Key("t_end", -1L, "last step at which masks may change (-1: 75 % of training)"),
      new Key("prune", "", "prune criterion: magnitude, global_magnitude, random, signed_magnitude (empty: the method's)"),
      new Key("growth", "", "growth criterion: random, gradient, momentum, … (empty: the method's)"),
      new Key("grow_init", "zero", "value of a new connection: zero, gradient (−lr·g), random (He normal)"),
      new Key("redistribution", "", "regrowth budget between layers: none, momentum (empty: the method's)"),
      new Key("drop_exponent", 1.0, "k of the exponential drop schedule"),
      new Key("initial_sparsity", 0.0, "s_i of gradual pruning (gmp, granet, random); 0 starts dense"),
      new Key("prune_begin", -1L, "t0 of gradual pruning (-1: t_begin)"),
      new Key("prune_end", -1L, "t_f of gradual pruning (-1: t_end)"),
      new Key("regeneration_initial", 0.5, "GraNet: regeneration fraction r at t_begin"),
      new Key("regeneration_final", 0.005, "GraNet: regeneration fraction r at t_end"),
      new Key("nm_n", 2, "N of N:M: weights kept in every group"),
      new Key("nm_m", 4, "M of N:M: group length along the input dimension"),
      new Key("srste_lambda", 2e-4, "λ_w of SR-STE's decay of masked-out weights"),
      new Key("imp_phases", 3, "IMP: number of prune-rewind-retrain phases"),
      new Key("imp_rewind_step", 0L, "IMP: rewind surviving weights to their values after this step (0: initialisation)"),
      new Key("imp_phase_steps", -1L, "IMP: steps per training phase (-1: the run length)"),
      new Key("layer_densities", List.of(), "explicit: one density per weight layer"));

  public SparsityConfig {
    method = norm(method, "method");
    distribution = norm(distribution, "distribution");
    dropSchedule = norm(dropSchedule, "drop_schedule");
    prune = prune == null ? "" : prune.trim().toLowerCase(Locale.ROOT);
    growth = growth == null ? "" : growth.trim().toLowerCase(Locale.ROOT);
    growInit = norm(growInit, "grow_init");
    redistribution = redistribution == null ? "" : redistribution.trim().toLowerCase(Locale.ROOT);
    check(target >= 0 && target < 1, "target", "must be in [0,1)", target);
    check(erkPowerScale > 0, "erk_power_scale", "must be > 0", erkPowerScale);
    check(updateEvery > 0, "update_every", "must be > 0", updateEvery);
    check(dropFraction >= 0 && dropFraction <= 1, "drop_fraction", "must be in [0,1]", dropFraction);
    check(tBegin >= 0, "t_begin", "must be >= 0", tBegin);
    if (tEnd >= 0 && tEnd < tBegin) {
      throw new IllegalArgumentException("sparsity.t_end (" + tEnd + ") precedes sparsity.t_begin (" + tBegin + ")");
    }
    check(dropExponent > 0, "drop_exponent", "must be > 0", dropExponent);
    check(initialSparsity >= 0 && initialSparsity <= target, "initial_sparsity", "must be in [0, target]", initialSparsity);
    if (pruneEnd >= 0 && pruneEnd < Math.max(0, pruneBegin)) {
      throw new IllegalArgumentException("sparsity.prune_end (" + pruneEnd + ") precedes sparsity.prune_begin (" + pruneBegin + ")");
    }
    check(regenerationInitial >= 0 && regenerationInitial <= 1, "regeneration_initial", "must be in [0,1]", regenerationInitial);
    check(regenerationFinal >= 0 && regenerationFinal <= 1, "regeneration_final", "must be in [0,1]", regenerationFinal);
    check(nmM >= 1, "nm_m", "must be >= 1", nmM);
    if (nmN < 1 || nmN > nmM) {
      throw new IllegalArgumentException("sparsity.nm_n must be in [1, nm_m=" + nmM + "], got " + nmN);
    }
    check(srsteLambda >= 0, "srste_lambda", "must be >= 0", srsteLambda);
    check(impPhases >= 1, "imp_phases", "must be >= 1", impPhases);
    check(impRewindStep >= 0, "imp_rewind_step", "must be >= 0", impRewindStep);
    if (impPhaseSteps >= 0 && impRewindStep >= impPhaseSteps) {
      throw new IllegalArgumentException("sparsity.imp_rewind_step (" + impRewindStep + ") must precede the end of a phase ("
          + impPhaseSteps + " steps)");
    }
    layerDensities = layerDensities == null ? null : layerDensities.clone();
  }

  /** The original ten keys; every other key at its default. */
  public SparsityConfig(String method, double target, String distribution, double erkPowerScale,
                        boolean denseFirstLayer, long updateEvery, double dropFraction, String dropSchedule,
                        long tBegin, long tEnd) {
    this(method, target, distribution, erkPowerScale, denseFirstLayer, updateEvery, dropFraction, dropSchedule,
        tBegin, tEnd, "", "", "zero", "", 1.0, 0.0, -1, -1, 0.5, 0.005, 2, 4, 2e-4, 3, 0, -1, null);
  }

  public static SparsityConfig defaults() {
    return new SparsityConfig("set", 0.9, "erk", 1.0, false, 100, 0.3, "cosine", 0, -1);
  }

  /** A builder starting from {@link #defaults()}. */
  public static Builder builder() {
    return defaults().toBuilder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    Map<String, Object> m = toMap();
    m.forEach(b::set);
    return b;
  }

  /** Every key (see {@link #KEYS}) with its value. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("method", method);
    m.put("target", target);
    m.put("distribution", distribution);
    m.put("erk_power_scale", erkPowerScale);
    m.put("dense_first_layer", denseFirstLayer);
    m.put("update_every", updateEvery);
    m.put("drop_fraction", dropFraction);
    m.put("drop_schedule", dropSchedule);
    m.put("t_begin", tBegin);
    m.put("t_end", tEnd);
    m.put("prune", prune);
    m.put("growth", growth);
    m.put("grow_init", growInit);
    m.put("redistribution", redistribution);
    m.put("drop_exponent", dropExponent);
    m.put("initial_sparsity", initialSparsity);
    m.put("prune_begin", pruneBegin);
    m.put("prune_end", pruneEnd);
    m.put("regeneration_initial", regenerationInitial);
    m.put("regeneration_final", regenerationFinal);
    m.put("nm_n", nmN);
    m.put("nm_m", nmM);
    m.put("srste_lambda", srsteLambda);
    m.put("imp_phases", impPhases);
    m.put("imp_rewind_step", impRewindStep);
    m.put("imp_phase_steps", impPhaseSteps);
    m.put("layer_densities", layerDensities == null ? List.of() : Arrays.stream(layerDensities).boxed().toList());
    return m;
  }

  /** t_end resolved against the run length. */
  public long resolvedTEnd(long totalSteps) {
    return tEnd >= 0 ? tEnd : Math.round(0.75 * totalSteps);
  }

  /** t₀ of gradual pruning. */
  public long resolvedPruneBegin() {
    return pruneBegin >= 0 ? pruneBegin : tBegin;
  }

  /** t_f of gradual pruning. */
  public long resolvedPruneEnd(long totalSteps) {
    return pruneEnd >= 0 ? pruneEnd : resolvedTEnd(totalSteps);
  }

  @Override
  public double[] layerDensities() {
    return layerDensities == null ? null : layerDensities.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SparsityConfig c && toMap().equals(c.toMap());
  }

  @Override
  public int hashCode() {
    return toMap().hashCode();
  }

  @Override
  public String toString() {
    return "SparsityConfig" + toMap();
  }

  private static String norm(String s, String key) {
    if (s == null || s.isBlank()) {
      throw new IllegalArgumentException("sparsity." + key + " must be set");
    }
    return s.trim().toLowerCase(Locale.ROOT);
  }

  private static void check(boolean ok, String key, String what, Object value) {
    if (!ok) {
      throw new IllegalArgumentException("sparsity." + key + " " + what + ", got " + value);
    }
  }

  /** Sets keys by their config names; {@link #build()} validates. Unknown keys are errors. */
  public static final class Builder {
    private final Map<String, Object> values = new LinkedHashMap<>();

    private Builder() {}

    /** Sets {@code key} (with or without the {@code sparsity.} prefix) to a String, Number, Boolean or List. */
    public Builder set(String key, Object value) {
      String k = key.startsWith("sparsity.") ? key.substring("sparsity.".length()) : key;
      if (KEYS.stream().noneMatch(x -> x.name().equals(k))) {
        throw new IllegalArgumentException("unknown key sparsity." + k + " (known: "
            + String.join(", ", KEYS.stream().map(Key::name).toList()) + ")");
      }
      values.put(k, value);
      return this;
    }

    public SparsityConfig build() {
      return new SparsityConfig(str("method"), dbl("target"), str("distribution"), dbl("erk_power_scale"),
          bool("dense_first_layer"), lng("update_every"), dbl("drop_fraction"), str("drop_schedule"),
          lng("t_begin"), lng("t_end"), str("prune"), str("growth"), str("grow_init"), str("redistribution"),
          dbl("drop_exponent"), dbl("initial_sparsity"), lng("prune_begin"), lng("prune_end"),
          dbl("regeneration_initial"), dbl("regeneration_final"), (int) lng("nm_n"), (int) lng("nm_m"),
          dbl("srste_lambda"), (int) lng("imp_phases"), lng("imp_rewind_step"), lng("imp_phase_steps"), densities());
    }

    private Object get(String k) {
      return values.get(k);
    }

    private String str(String k) {
      return String.valueOf(get(k));
    }

    private double dbl(String k) {
      Object v = get(k);
      try {
        return v instanceof Number n ? n.doubleValue() : Double.parseDouble(String.valueOf(v).trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("sparsity." + k + " must be a number, got '" + v + "'");
      }
    }

    private long lng(String k) {
      Object v = get(k);
      if (v instanceof Number n) {
        if (n.doubleValue() != Math.rint(n.doubleValue())) {
          throw new IllegalArgumentException("sparsity." + k + " must be an integer, got " + v);
        }
        return n.longValue();
      }
      try {
        return Long.parseLong(String.valueOf(v).trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("sparsity." + k + " must be an integer, got '" + v + "'");
      }
    }

    private boolean bool(String k) {
      Object v = get(k);
      if (v instanceof Boolean b) {
        return b;
      }
      String s = String.valueOf(v).trim().toLowerCase(Locale.ROOT);
      if (s.equals("true") || s.equals("false")) {
        return Boolean.parseBoolean(s);
      }
      throw new IllegalArgumentException("sparsity." + k + " must be true or false, got '" + v + "'");
    }

    private double[] densities() {
      Object v = get("layer_densities");
      if (v == null) {
        return null;
      }
      if (v instanceof double[] d) {
        return d.length == 0 ? null : d;
      }
      if (v instanceof List<?> list) {
        if (list.isEmpty()) {
          return null;
        }
        double[] d = new double[list.size()];
        for (int i = 0; i < d.length; i++) {
          Object x = list.get(i);
          if (!(x instanceof Number n)) {
            throw new IllegalArgumentException("sparsity.layer_densities must be a list of numbers, got " + list);
          }
          d[i] = n.doubleValue();
        }
        return d;
      }
      throw new IllegalArgumentException("sparsity.layer_densities must be a list of numbers, got " + v);
    }
  }
}
