package org.sparsetrain.pruning;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import org.sparsetrain.pruning.distribution.ErdosRenyi;
import org.sparsetrain.pruning.distribution.SparsityDistribution;
import org.sparsetrain.pruning.distribution.Uniform;
import org.sparsetrain.pruning.method.Dense;
import org.sparsetrain.pruning.method.SetMethod;
import org.sparsetrain.pruning.method.StaticSparse;
import org.sparsetrain.pruning.schedule.DropFraction;
import org.sparsetrain.pruning.schedule.UpdateSchedule;
import org.sparsetrain.training.sparsity.SparsityMethod;

/** The registry of sparsity methods and distributions by the names a config uses. */
public final class SparsityMethods {
  private SparsityMethods() {}

  private static final Map<String, BiFunction<SparsityConfig, Long, SparsityMethod>> METHODS = new LinkedHashMap<>();

  static {
    register("dense", (c, steps) -> new Dense());
    register("static", (c, steps) -> new StaticSparse(distribution(c), c.target()));
    register("set", (c, steps) -> new SetMethod(distribution(c), c.target(), schedule(c, steps), dropFraction(c, steps)));
  }

  /** Adds a method under a name (used by each method's registration). */
  public static void register(String name, BiFunction<SparsityConfig, Long, SparsityMethod> factory) {
    METHODS.put(name, factory);
  }

  /** Known method names, in registration order. */
  public static String known() {
    return String.join(", ", METHODS.keySet());
  }

  /** The method the config names, for a run of {@code totalSteps} steps. */
  public static SparsityMethod create(SparsityConfig c, long totalSteps) {
    BiFunction<SparsityConfig, Long, SparsityMethod> f = METHODS.get(c.method().toLowerCase(Locale.ROOT));
    if (f == null) {
      throw new IllegalArgumentException("unknown sparsity.method '" + c.method() + "' (known: " + known() + ")");
    }
    return f.apply(c, totalSteps);
  }

  public static SparsityDistribution distribution(SparsityConfig c) {
    switch (c.distribution().toLowerCase(Locale.ROOT)) {
      case "erk":
        return ErdosRenyi.erk(c.erkPowerScale());
      case "er":
        return ErdosRenyi.er();
      case "uniform":
        return new Uniform(c.denseFirstLayer());
      default:
        throw new IllegalArgumentException("unknown sparsity.distribution '" + c.distribution() + "' (known: erk, er, uniform)");
    }
  }

  public static UpdateSchedule schedule(SparsityConfig c, long totalSteps) {
    return new UpdateSchedule(c.updateEvery(), c.tBegin(), c.resolvedTEnd(totalSteps));
  }

  public static DropFraction dropFraction(SparsityConfig c, long totalSteps) {
    return new DropFraction(c.dropSchedule(), c.dropFraction(), c.tBegin(), c.resolvedTEnd(totalSteps), 1.0);
  }
}
