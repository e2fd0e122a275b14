package org.sparsetrain.pruning;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code sparsity.*} keys of a job config, validated before training (bad values fail naming
 * the key). Two kinds of keys, both addressed as {@code sparsity.NAME} in YAML and {@code --set}:
 * <ul>
 *   <li><b>common keys</b> ({@link #KEYS}), shared by several methods: the method, the target, the
 *   distribution and its options, the update schedule, the drop fraction, the prune and growth
 *   criteria. They are this record's components, checked in its constructor;</li>
 *   <li><b>a method's own keys</b> (N:M's {@code nm_n}, GraNet's {@code regeneration_initial}, IMP's
 *   {@code imp_phases}, …), declared, documented and checked by the method itself and registered with
 *   it ({@link SparsityMethods#register(String, List, SparsityMethods.Factory)}), as jaxpruner hands an
 *   algorithm its own keyword arguments. {@link #methodKeys()} holds exactly the chosen method's keys,
 *   each at its value or default; the method reads them with {@link #getInt}, {@link #getDouble}, ….</li>
 * </ul>
 * A key of another method is an error naming the key, the method and the keys it accepts, unless it
 * holds that key's default: a run's resolved {@code config.yaml} (and the config a checkpoint
 * stores) lists every key of every method at its default, and those must keep loading.
 * Step-valued keys may be left at -1 to take their defaults from the run length or other keys.
 * {@link #SparsityConfig(String, double, String, double, boolean, long, double, String, long, long)}
 * takes the original ten keys, and {@link Builder} sets any key by its config name.
 *
 * @param method a registered method: {@code dense}, {@code static}, {@code set}, {@code rigl},
 *     {@code snfs}, {@code granet}, {@code gmp}, {@code random}, {@code nm}, {@code imp}, …
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
 * @param layerDensities with {@code explicit}: one density per weight layer
 * @param methodKeys the method's own keys (null: all at their defaults), by name without {@code sparsity.}
 */
public record SparsityConfig(String method, double target, String distribution, double erkPowerScale,
                             boolean denseFirstLayer, long updateEvery, double dropFraction, String dropSchedule,
                             long tBegin, long tEnd,
                             String prune, String growth, String growInit, String redistribution, double dropExponent,
                             double[] layerDensities, Map<String, Object> methodKeys) implements Serializable {

  /**
   * Config key (after {@code sparsity.}), default and one line of documentation. The default's type
   * is the key's type: Integer, Long, Double, Boolean, String or a List of numbers.
   */
  public record Key(String name, Object defaultValue, String doc) implements Serializable {
    public Key {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(defaultValue, "default of sparsity." + name);
      if (!name.matches("[a-z][a-z0-9_]*")) {
        throw new IllegalArgumentException("a sparsity key is lower_snake_case, got '" + name + "'");
      }
    }

    /** {@code raw} (a String, Number, Boolean or List, as a config gives it) as this key's type. */
    public Object convert(Object raw) {
      if (defaultValue instanceof Integer) {
        long l = asLong(name, raw);
        if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
          throw new IllegalArgumentException("sparsity." + name + " must be an int, got " + raw);
        }
        return (int) l;
      }
      if (defaultValue instanceof Long) {
        return asLong(name, raw);
      }
      if (defaultValue instanceof Number) {
        return asDouble(name, raw);
      }
      if (defaultValue instanceof Boolean) {
        return asBool(name, raw);
      }
      if (defaultValue instanceof List) {
        double[] d = asDoubles(name, raw);
        return d == null ? List.of() : Arrays.stream(d).boxed().toList();
      }
      return String.valueOf(raw);
    }
  }

  /** The common keys, in the order of the record, with their defaults. */
  public static final List<Key> KEYS = List.of(
      new Key("method", "set", "dense, static, set, rigl, snfs, granet, gmp, random, nm, imp (each with its own keys)"),
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
      new Key("layer_densities", List.of(), "explicit: one density per weight layer"));

  private static final String LAST_COMMON = "layer_densities";

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
    layerDensities = layerDensities == null ? null : layerDensities.clone();
    methodKeys = ownKeys(method, methodKeys);
  }

  /** The original ten keys; every other key at its default. */
  public SparsityConfig(String method, double target, String distribution, double erkPowerScale,
                        boolean denseFirstLayer, long updateEvery, double dropFraction, String dropSchedule,
                        long tBegin, long tEnd) {
    this(method, target, distribution, erkPowerScale, denseFirstLayer, updateEvery, dropFraction, dropSchedule,
        tBegin, tEnd, "", "", "zero", "", 1.0, null, null);
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
    toMap().forEach(b::set);
    return b;
  }

  /**
   * Every key a config may hold: the common keys, then each registered method's own keys in the
   * order the methods registered them (a key several methods share, once), {@code layer_densities}
   * last. This is the order a run's resolved config lists them in, the same as before methods
   * owned their keys, so an old run's {@code config.yaml} still reads as the same config.
   */
  public static List<Key> allKeys() {
    List<Key> all = new ArrayList<>();
    for (Key k : KEYS) {
      if (k.name().equals(LAST_COMMON)) {
        all.addAll(SparsityMethods.methodKeys());
      }
      all.add(k);
    }
    return all;
  }

  /** The common or method key of that name (without {@code sparsity.}), or null. */
  public static Key key(String name) {
    Key k = common(name);
    return k != null ? k : SparsityMethods.methodKey(name);
  }

  /** The common key of that name, or null. */
  public static Key common(String name) {
    for (Key k : KEYS) {
      if (k.name().equals(name)) {
        return k;
      }
    }
    return null;
  }

  /** Every key (common, then this method's own, {@code layer_densities} last) with its value. */
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
    m.putAll(methodKeys);
    m.put("layer_densities", layerDensities == null ? List.of() : Arrays.stream(layerDensities).boxed().toList());
    return m;
  }

  /** t_end resolved against the run length. */
  public long resolvedTEnd(long totalSteps) {
    return tEnd >= 0 ? tEnd : Math.round(0.75 * totalSteps);
  }

  /** The method's own key {@code name} (an Integer key). */
  public int getInt(String name) {
    return (Integer) own(name);
  }

  /** The method's own key {@code name} (a Long key). */
  public long getLong(String name) {
    return (Long) own(name);
  }

  /** The method's own key {@code name} (a Double key). */
  public double getDouble(String name) {
    return (Double) own(name);
  }

  /** The method's own key {@code name} (a Boolean key). */
  public boolean getBool(String name) {
    return (Boolean) own(name);
  }

  /** The method's own key {@code name} (a String key). */
  public String getString(String name) {
    return (String) own(name);
  }

  private Object own(String name) {
    Object v = methodKeys.get(name);
    if (v == null) {
      throw new IllegalStateException("sparsity method '" + method + "' reads sparsity." + name
          + ", which it did not register (its keys: " + names(SparsityMethods.keys(method)) + ")");
    }
    return v;
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

  /** The method's keys from {@code given} (by name, any accepted type), converted, the rest at their defaults. */
  private static Map<String, Object> ownKeys(String method, Map<String, Object> given) {
    List<Key> own = SparsityMethods.keys(method);
    Map<String, Object> m = new LinkedHashMap<>();
    for (Key k : own) {
      m.put(k.name(), given != null && given.containsKey(k.name()) ? k.convert(given.get(k.name())) : k.defaultValue());
    }
    if (given != null) {
      for (String name : given.keySet()) {
        if (!m.containsKey(name)) {
          throw notAKeyOf(name, method);
        }
      }
    }
    return Collections.unmodifiableMap(m);
  }

  /** {@code sparsity.nm_n is not a key of method 'set' (its keys: none; common keys: …); it is a key of nm}. */
  static IllegalArgumentException notAKeyOf(String name, String method) {
    List<String> owners = SparsityMethods.methodsWithKey(name);
    return new IllegalArgumentException("sparsity." + name + " is not a key of method '" + method + "' (its keys: "
        + names(SparsityMethods.keys(method)) + "; common keys: " + names(KEYS) + ")"
        + (owners.isEmpty() ? "" : "; it is a key of " + String.join(", ", owners)));
  }

  static String names(List<Key> keys) {
    return keys.isEmpty() ? "none" : String.join(", ", keys.stream().map(Key::name).toList());
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

  private static double asDouble(String k, Object v) {
    try {
      return v instanceof Number n ? n.doubleValue() : Double.parseDouble(String.valueOf(v).trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("sparsity." + k + " must be a number, got '" + v + "'");
    }
  }

  private static long asLong(String k, Object v) {
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

  private static boolean asBool(String k, Object v) {
    if (v instanceof Boolean b) {
      return b;
    }
    String s = String.valueOf(v).trim().toLowerCase(Locale.ROOT);
    if (s.equals("true") || s.equals("false")) {
      return Boolean.parseBoolean(s);
    }
    throw new IllegalArgumentException("sparsity." + k + " must be true or false, got '" + v + "'");
  }

  private static double[] asDoubles(String k, Object v) {
    if (v == null) {
      return null;
    }
    if (v instanceof double[] d) {
      return d.length == 0 ? null : d.clone();
    }
    if (v instanceof List<?> list) {
      if (list.isEmpty()) {
        return null;
      }
      double[] d = new double[list.size()];
      for (int i = 0; i < d.length; i++) {
        Object x = list.get(i);
        if (!(x instanceof Number n)) {
          throw new IllegalArgumentException("sparsity." + k + " must be a list of numbers, got " + list);
        }
        d[i] = n.doubleValue();
      }
      return d;
    }
    throw new IllegalArgumentException("sparsity." + k + " must be a list of numbers, got " + v);
  }

  /**
   * Sets keys by their config names; {@link #build()} validates. Unknown keys are errors; so is a
   * key of another method than {@code method}, unless it holds that key's default (see the class).
   */
  public static final class Builder {
    private final Map<String, Object> values = new LinkedHashMap<>();

    private Builder() {}

    /** Sets {@code key} (with or without the {@code sparsity.} prefix) to a String, Number, Boolean or List. */
    public Builder set(String key, Object value) {
      String k = key.startsWith("sparsity.") ? key.substring("sparsity.".length()) : key;
      if (key(k) == null) {
        throw new IllegalArgumentException("unknown key sparsity." + k + " (known: " + names(allKeys()) + ")");
      }
      values.put(k, value);
      return this;
    }

    public SparsityConfig build() {
      String method = norm(str("method"), "method");
      List<Key> own = SparsityMethods.keys(method);
      Map<String, Object> mine = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : values.entrySet()) {
        String name = e.getKey();
        if (common(name) != null) {
          continue;
        }
        if (own.stream().anyMatch(k -> k.name().equals(name))) {
          mine.put(name, e.getValue());
          continue;
        }
        Key other = key(name);
        if (other == null || !other.convert(e.getValue()).equals(other.defaultValue())) {
          throw notAKeyOf(name, method);
        }
        // another method's key at its default: what every resolved config lists; nothing to use
      }
      return new SparsityConfig(method, dbl("target"), str("distribution"), dbl("erk_power_scale"),
          bool("dense_first_layer"), lng("update_every"), dbl("drop_fraction"), str("drop_schedule"),
          lng("t_begin"), lng("t_end"), str("prune"), str("growth"), str("grow_init"), str("redistribution"),
          dbl("drop_exponent"), asDoubles("layer_densities", values.get("layer_densities")), mine);
    }

    private String str(String k) {
      return String.valueOf(values.get(k));
    }

    private double dbl(String k) {
      return asDouble(k, values.get(k));
    }

    private long lng(String k) {
      return asLong(k, values.get(k));
    }

    private boolean bool(String k) {
      return asBool(k, values.get(k));
    }
  }
}
