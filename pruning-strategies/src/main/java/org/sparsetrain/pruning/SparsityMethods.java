package org.sparsetrain.pruning;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
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
import org.sparsetrain.pruning.imp.ImpPlan;
import org.sparsetrain.pruning.method.Dense;
import org.sparsetrain.pruning.method.GraNet;
import org.sparsetrain.pruning.method.GradualPruning;
import org.sparsetrain.pruning.method.Methods;
import org.sparsetrain.pruning.method.NmSparsity;
import org.sparsetrain.pruning.method.RigL;
import org.sparsetrain.pruning.method.SetMethod;
import org.sparsetrain.pruning.method.Snfs;
import org.sparsetrain.pruning.method.StaticSparse;
import org.sparsetrain.pruning.schedule.CosineDecay;
import org.sparsetrain.pruning.schedule.CubicSparsity;
import org.sparsetrain.pruning.schedule.DropFraction;
import org.sparsetrain.pruning.schedule.UpdateSchedule;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * The registry of sparsity methods and distributions by the names a config uses. Every name and
 * value is checked when the method is created, before training: unknown names list the known ones.
 *
 * <table>
 *   <caption>Methods and the keys they read (besides target, distribution and its options)</caption>
 *   <tr><th>name</th><th>keys</th></tr>
 *   <tr><td>dense</td><td>—</td></tr>
 *   <tr><td>static</td><td>—</td></tr>
 *   <tr><td>set</td><td>update_every, t_begin, t_end, drop_fraction, drop_schedule, drop_exponent, prune (magnitude), growth (random), grow_init</td></tr>
 *   <tr><td>rigl</td><td>as set; growth (gradient); skips the optimizer on update steps</td></tr>
 *   <tr><td>snfs</td><td>as set; growth (momentum), redistribution (momentum)</td></tr>
 *   <tr><td>granet</td><td>initial_sparsity, prune_begin, prune_end, update_every, t_begin, t_end, regeneration_initial, regeneration_final, prune (global_magnitude), growth (gradient), grow_init</td></tr>
 *   <tr><td>gmp</td><td>initial_sparsity, prune_begin, prune_end, update_every, prune (magnitude)</td></tr>
 *   <tr><td>random</td><td>as gmp with prune fixed to random</td></tr>
 *   <tr><td>imp</td><td>imp_phases, imp_rewind_step, imp_phase_steps, prune (global_magnitude)</td></tr>
 *   <tr><td>nm</td><td>nm_n, nm_m, srste_lambda, update_every, t_begin, t_end</td></tr>
 * </table>
 */
public final class SparsityMethods {
  private SparsityMethods() {}

  private static final Map<String, BiFunction<SparsityConfig, Long, SparsityMethod>> METHODS = new LinkedHashMap<>();

  static {
    register("dense", (c, steps) -> new Dense());
    register("static", (c, steps) -> new StaticSparse(distribution(c), c.target()));
    register("set", (c, steps) -> new SetMethod(distribution(c), c.target(), schedule(c, steps), dropFraction(c, steps),
        prune(c, "magnitude"), growth(c, "random"), GrowInit.named(c.growInit())));
    register("rigl", (c, steps) -> new RigL(distribution(c), c.target(), schedule(c, steps), dropFraction(c, steps),
        prune(c, "magnitude"), growth(c, "gradient"), GrowInit.named(c.growInit())));
    register("snfs", (c, steps) -> new Snfs(distribution(c), c.target(), schedule(c, steps), dropFraction(c, steps),
        prune(c, "magnitude"), growth(c, "momentum"), GrowInit.named(c.growInit()), redistribution(c, "momentum")));
    register("granet", (c, steps) -> new GraNet(Methods.gradual(distribution(c), cubic(c, steps), c.updateEvery()),
        schedule(c, steps), new CosineDecay(c.regenerationInitial(), c.regenerationFinal(), c.tBegin(), c.resolvedTEnd(steps)),
        prune(c, "global_magnitude"), growth(c, "gradient"), GrowInit.named(c.growInit())));
    register("gmp", (c, steps) -> new GradualPruning("gmp", Methods.gradual(distribution(c), cubic(c, steps), c.updateEvery()),
        prune(c, "magnitude")));
    register("random", (c, steps) -> {
      if (!c.prune().isEmpty() && !c.prune().equals("random")) {
        throw new IllegalArgumentException("sparsity.method=random prunes at random; sparsity.prune=" + c.prune()
            + " contradicts it (use gmp)");
      }
      return new GradualPruning("random", Methods.gradual(distribution(c), cubic(c, steps), c.updateEvery()),
          PruneCriteria.named("random"));
    });
    register("imp", (c, steps) -> new ImpMethod(new ImpPlan(c.impPhases(), c.target(),
        c.impPhaseSteps() >= 0 ? c.impPhaseSteps() : steps, c.impRewindStep(), prune(c, "global_magnitude")), 0));
    register("nm", (c, steps) -> new NmSparsity(c.nmN(), c.nmM(), c.srsteLambda(), schedule(c, steps)));
  }

  /** Adds a method under a name. */
  public static synchronized void register(String name, BiFunction<SparsityConfig, Long, SparsityMethod> factory) {
    METHODS.put(name.toLowerCase(Locale.ROOT), factory);
  }

  /** Known method names, in registration order. */
  public static synchronized String known() {
    return String.join(", ", METHODS.keySet());
  }

  /** The method the config names, for a run of {@code totalSteps} steps; validates every sparsity key. */
  public static SparsityMethod create(SparsityConfig c, long totalSteps) {
    BiFunction<SparsityConfig, Long, SparsityMethod> f;
    synchronized (SparsityMethods.class) {
      f = METHODS.get(c.method());
    }
    if (f == null) {
      throw new IllegalArgumentException("unknown sparsity.method '" + c.method() + "' (known: " + known() + ")");
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
    return f.apply(c, totalSteps);
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

  static CubicSparsity cubic(SparsityConfig c, long totalSteps) {
    return new CubicSparsity(c.initialSparsity(), c.target(), c.resolvedPruneBegin(), c.resolvedPruneEnd(totalSteps));
  }

  static PruneCriterion prune(SparsityConfig c, String dflt) {
    return PruneCriteria.named(c.prune().isEmpty() ? dflt : c.prune());
  }

  static GrowthCriterion growth(SparsityConfig c, String dflt) {
    return GrowthCriteria.named(c.growth().isEmpty() ? dflt : c.growth());
  }

  static boolean redistribution(SparsityConfig c, String dflt) {
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
