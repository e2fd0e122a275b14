package org.sparsetrain.training;

import org.sparsetrain.training.sparsity.GrowthInput;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * The one statement of a step's order, which every engine follows (the driver's
 * {@link TrainingState#finishStep} and the shard owners alike). Step t, given the summed gradient
 * of its global batch:
 * <ol>
 *   <li>the gradient is checked ({@link Divergence}) before anything uses it;</li>
 *   <li>the method adjusts it (e.g. N:M's SR-STE term);</li>
 *   <li>the optimizer applies it, with the learning rate of step t, unless t updates the mask and
 *       the method skips the optimizer on such a step (RigL); the optimizer's own step count moves
 *       only when it applies;</li>
 *   <li>if the schedule updates the mask at t, the method decides and the change is applied:
 *       dropped connections leave, grown ones start at 0 with zeroed optimizer state.</li>
 * </ol>
 */
public record StepRule(SparsityMethod method) {
  /** Whether step t changes the mask. */
  public boolean updatesMask(long t) {
    return method.updatesAt(t);
  }

  /** Whether the optimizer applies step t's gradient (and its step count moves). */
  public boolean appliesOptimizer(long t) {
    return !method.updatesAt(t) || !method.skipsOptimizerOnUpdate();
  }

  /** What the mask decision of step t grows by ({@link GrowthInput#NONE} when t updates no mask). */
  public GrowthInput growthInput(long t) {
    return method.updatesAt(t) ? method.growthInput(t) : GrowthInput.NONE;
  }

  /** Whether step t needs the dense gradient at inactive positions (RigL's growth). */
  public boolean needsDenseGradient(long t) {
    return growthInput(t) == GrowthInput.DENSE_GRADIENT;
  }
}
