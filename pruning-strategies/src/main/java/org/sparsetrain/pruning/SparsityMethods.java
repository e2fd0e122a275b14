package org.sparsetrain.pruning;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import org.sparsetrain.pruning.SparsityConfig.Key;
import org.sparsetrain.pruning.criteria.GrowInit;
import org.sparsetrain.pruning.criteria.GrowthCriteria;
import org.sparsetrain.pruning.criteria.GrowthCriterion;
import org.sparsetrain.pruning.criteria.PruneCriteria;
import org.sparsetrain.pruning.criteria.PruneCriterion;
import org.sparsetrain.pruning.distribution.ErdosRenyi;
import org.sparsetrain.pruning.distribution.Explicit;
import org.sparsetrain.pruning.distribution.SparsityDistribution;
import org.sparsetrain.pruning.distribution.Uniform;
import org.sparsetrain.pruning.imp.ImpMethod;
import org.sparsetrain.pruning.method.Dense;
import org.sparsetrain.pruning.method.GraNet;
import org.sparsetrain.pruning.method.GradualPruning;
import org.sparsetrain.pruning.method.NmSparsity;
import org.sparsetrain.pruning.method.RigL;
import org.sparsetrain.pruning.method.SetMethod;
import org.sparsetrain.pruning.method.Snfs;
import org.sparsetrain.pruning.method.StaticSparse;
import org.sparsetrain.pruning.schedule.DropFraction;
import org.sparsetrain.pruning.schedule.UpdateSchedule;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * The registry of sparsity methods by the names a config uses ({@code sparsity.method}). A method
 * registers with the keys it owns beyond the common ones ({@link SparsityConfig#KEYS}) and a factory;
 * the keys' names, defaults and docs come from the method's own file (e.g. {@link NmSparsity#KEYS}),
 * which also checks their values when it builds the method. Every name and value is checked when
 * the method is created, before training: unknown names list the known ones, and a key of another
 * method names the keys this one accepts. Each method's keys: {@code pruning-strategies/README.md}.
 */
public final class SparsityMethods {
  private SparsityMethods() {}

  /** Builds a method from a config whose {@link SparsityConfig#methodKeys()} are this method's keys. */
  @FunctionalInterface
  public interface Factory {
    /** The method for a run of {@code totalSteps} steps; checks the method's own keys (errors name them). */
    SparsityMethod create(SparsityConfig c, long totalSteps);
  }

  private record Registered(List<Key> keys, Factory factory) {}

  private static final Map<String, Registered> METHODS = new LinkedHashMap<>();

  static {
    register("dense", List.of(), Dense::create);
    register("static", List.of(), StaticSparse::create);
    register("set", List.of(), SetMethod::create);
    register("rigl", List.of(), RigL::create);
    register("snfs", List.of(), Snfs::create);
    register("granet", GraNet.KEYS, GraNet::create);
    register("gmp", GradualPruning.KEYS, GradualPruning::gmp);
    register("random", GradualPruning.KEYS, GradualPruning::random);
    register("nm", NmSparsity.KEYS, NmSparsity::create);
    register("imp", ImpMethod.KEYS, ImpMethod::create);
  }

  /**
   * Adds (or replaces) a method under a name, with the keys it owns. A key may not be a common key,
   * and a key several methods share must be the same {@link Key} (one default, one doc) in each.
   */
  public static synchronized void register(String name, List<Key> keys, Factory factory) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    for (Key k : keys) {
      if (SparsityConfig.common(k.name()) != null) {
        throw new IllegalArgumentException("method '" + n + "' registers sparsity." + k.name() + ", a common key");
      }
      for (Map.Entry<String, Registered> e : METHODS.entrySet()) {
        for (Key o : e.getValue().keys()) {
          if (!e.getKey().equals(n) && o.name().equals(k.name()) && !o.equals(k)) {
            throw new IllegalArgumentException("method '" + n + "' registers sparsity." + k.name() + " (default "
                + k.defaultValue() + "), which method '" + e.getKey() + "' registered as " + o);
          }
        }
      }
    }
    METHODS.put(n, new Registered(List.copyOf(keys), factory));
  }

  /** Adds a method that owns no key beyond the common ones. */
  public static void register(String name, BiFunction<SparsityConfig, Long, SparsityMethod> factory) {
    register(name, List.of(), factory::apply);
  }

  /** Removes a method and its keys (e.g. one a test registered); true if it was registered. */
  public static synchronized boolean unregister(String name) {
    return METHODS.remove(name.trim().toLowerCase(Locale.ROOT)) != null;
  }

  /** Known method names, in registration order. */
  public static synchronized String known() {
    return String.join(", ", METHODS.keySet());
  }

  /** The keys method {@code name} owns beyond the common ones; unknown names fail listing the known ones. */
  public static synchronized List<Key> keys(String name) {
    return registered(name).keys();
  }

  /** Every method's own keys, in registration order, each once. */
  public static synchronized List<Key> methodKeys() {
    Map<String, Key> all = new LinkedHashMap<>();
    for (Registered r : METHODS.values()) {
      for (Key k : r.keys()) {
        all.putIfAbsent(k.name(), k);
      }
    }
    return List.copyOf(all.values());
  }

  /** The method key of that name (without {@code sparsity.}), or null. */
  public static synchronized Key methodKey(String name) {
    for (Registered r : METHODS.values()) {
      for (Key k : r.keys()) {
        if (k.name().equals(name)) {
          return k;
        }
      }
    }
    return null;
  }

  /** The methods that own the key. */
  public static synchronized List<String> methodsWithKey(String name) {
    List<String> owners = new ArrayList<>();
    METHODS.forEach((m, r) -> {
      if (r.keys().stream().anyMatch(k -> k.name().equals(name))) {
        owners.add(m);
      }
    });
    return owners;
  }

  private static Registered registered(String name) {
    Registered r = METHODS.get(name == null ? null : name.trim().toLowerCase(Locale.ROOT));
    if (r == null) {
      throw new IllegalArgumentException("unknown sparsity.method '" + name + "' (known: " + known() + ")");
    }
    return r;
  }

  /** The method the config names, for a run of {@code totalSteps} steps; validates every sparsity key. */
  public static SparsityMethod create(SparsityConfig c, long totalSteps) {
    Factory f;
    synchronized (SparsityMethods.class) {
      f = registered(c.method()).factory();
    }
    // names are checked whatever the method, so a typo never passes silently
    distribution(c);
    if (!c.prune().isEmpty()) {
      PruneCriteria.named(c.prune());
    }
    if (!c.growth().isEmpty()) {
      GrowthCriteria.named(c.growth());
    }
    GrowInit.named(c.growInit());
    redistribution(c, "none");
    return f.create(c, totalSteps);
  }

  /**
   * As {@link #create(SparsityConfig, long)}, also checking the method against the model's layer
   * sizes (e.g. N:M needs every input width divisible by M; ERK needs a feasible budget).
   */
  public static SparsityMethod create(SparsityConfig c, long totalSteps, int[] sizes) {
    SparsityMethod m = create(c, totalSteps);
    m.initialDensities(sizes);
    m.targetDensities(totalSteps, sizes);
    return m;
  }

  public static SparsityDistribution distribution(SparsityConfig c) {
    switch (c.distribution()) {
      case "erk":
        return ErdosRenyi.erk(c.erkPowerScale());
      case "er":
        return ErdosRenyi.er();
      case "uniform":
        return new Uniform(c.denseFirstLayer());
      case "explicit":
        return new Explicit(c.layerDensities());
      default:
        throw new IllegalArgumentException("unknown sparsity.distribution '" + c.distribution()
            + "' (known: erk, er, uniform, explicit)");
    }
  }

  public static UpdateSchedule schedule(SparsityConfig c, long totalSteps) {
    return new UpdateSchedule(c.updateEvery(), c.tBegin(), c.resolvedTEnd(totalSteps));
  }

  public static DropFraction dropFraction(SparsityConfig c, long totalSteps) {
    return new DropFraction(c.dropSchedule(), c.dropFraction(), c.tBegin(), c.resolvedTEnd(totalSteps), c.dropExponent());
  }

  /** The prune criterion {@code sparsity.prune} names, {@code dflt} when empty. */
  public static PruneCriterion prune(SparsityConfig c, String dflt) {
    return PruneCriteria.named(c.prune().isEmpty() ? dflt : c.prune());
  }

  /** The growth criterion {@code sparsity.growth} names, {@code dflt} when empty. */
  public static GrowthCriterion growth(SparsityConfig c, String dflt) {
    return GrowthCriteria.named(c.growth().isEmpty() ? dflt : c.growth());
  }

  /** The growth initialisation {@code sparsity.grow_init} names. */
  public static GrowInit growInit(SparsityConfig c) {
    return GrowInit.named(c.growInit());
  }

  /** Whether {@code sparsity.redistribution} ({@code dflt} when empty) shares regrowth by momentum. */
  public static boolean redistribution(SparsityConfig c, String dflt) {
    String r = c.redistribution().isEmpty() ? dflt : c.redistribution();
    switch (r) {
      case "none":
        return false;
      case "momentum":
        return true;
      default:
        throw new IllegalArgumentException("unknown sparsity.redistribution '" + r + "' (known: none, momentum)");
    }
  }
}
