package org.sparsetrain.pruning.imp;

import java.util.Arrays;
import java.util.List;
import org.sparsetrain.pruning.SparsityConfig;
import org.sparsetrain.pruning.SparsityConfig.Key;
import org.sparsetrain.pruning.SparsityMethods;
import org.sparsetrain.training.sparsity.MaskDecision;
import org.sparsetrain.training.sparsity.MaskUpdateContext;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * IMP as the trainers see it within one phase: the mask is fixed (the pruning happens between
 * phases, in {@link ImpPlan#prune}), phase 0 starts dense, and the target density is the phase's.
 * A job that finds this method drives the phases with {@link ImpRunner}; a plain single run of it
 * is phase 0, dense training.
 */
public record ImpMethod(ImpPlan plan, int phase) implements SparsityMethod {
  /** n. */
  public static final Key PHASES = new Key("imp_phases", 3, "IMP: number of prune-rewind-retrain phases");
  /** k. */
  public static final Key REWIND_STEP = new Key("imp_rewind_step", 0L,
      "IMP: rewind surviving weights to their values after this step (0: initialisation)");
  /** Steps per phase. */
  public static final Key PHASE_STEPS = new Key("imp_phase_steps", -1L, "IMP: steps per training phase (-1: the run length)");
  /** IMP's keys. */
  public static final List<Key> KEYS = List.of(PHASES, REWIND_STEP, PHASE_STEPS);

  /** {@code sparsity.method: imp}: phase 0 of the plan; prune {@code global_magnitude} unless set. */
  public static ImpMethod create(SparsityConfig c, long totalSteps) {
    int phases = c.getInt(PHASES.name());
    long rewind = c.getLong(REWIND_STEP.name());
    long phaseSteps = c.getLong(PHASE_STEPS.name());
    if (phases < 1) {
      throw new IllegalArgumentException("sparsity.imp_phases must be >= 1, got " + phases);
    }
    if (rewind < 0) {
      throw new IllegalArgumentException("sparsity.imp_rewind_step must be >= 0, got " + rewind);
    }
    if (phaseSteps >= 0 && rewind >= phaseSteps) {
      throw new IllegalArgumentException("sparsity.imp_rewind_step (" + rewind + ") must precede the end of a phase ("
          + phaseSteps + " steps)");
    }
    return new ImpMethod(new ImpPlan(phases, c.target(), phaseSteps >= 0 ? phaseSteps : totalSteps, rewind,
        SparsityMethods.prune(c, "global_magnitude")), 0);
  }

  public ImpMethod {
    if (phase < 0 || phase > plan.phases()) {
      throw new IllegalArgumentException("IMP phase " + phase + " outside [0, " + plan.phases() + "]");
    }
  }

  @Override public String name() { return "imp"; }
  @Override public boolean updatesAt(long t) { return false; }

  @Override
  public double[] initialDensities(int[] sizes) {
    double[] d = new double[sizes.length - 1];
    Arrays.fill(d, plan.density(phase));
    return d;
  }

  @Override
  public MaskDecision decide(long t, MaskUpdateContext ctx) {
    return MaskDecision.none(ctx.network().layerCount());
  }

  /** The method of the next phase. */
  public ImpMethod next() {
    return new ImpMethod(plan, phase + 1);
  }
}
