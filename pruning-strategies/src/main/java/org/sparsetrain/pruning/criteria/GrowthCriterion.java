package org.sparsetrain.pruning.criteria;

import java.io.Serializable;
import org.sparsetrain.training.sparsity.GrowthInput;
import org.sparsetrain.training.sparsity.MaskUpdateContext;

/**
 * Where a layer grows its new connections. Implementations are stateless (any randomness is keyed
 * by {@code (seed, step, layer)} through {@link org.sparsetrain.training.util.Rng}), so a resumed
 * run or a retried task grows the same positions.
 *
 * <p>To add one, drop a public class with a public no-arg constructor into the package
 * {@code org.sparsetrain.pruning.growth}: {@link GrowthCriteria} finds it on the classpath and the
 * config selects it with {@code sparsity.growth: <name()>}. See {@code pruning-strategies/README.md}.
 */
public interface GrowthCriterion extends Serializable {
  /** The name a config uses ({@code sparsity.growth}). */
  String name();

  /** What the trainer must provide at an update step: NONE or the dense gradient of inactive positions. */
  GrowthInput input();

  /**
   * Chooses exactly {@code n} positions ({@code row * in + col}, ascending, distinct) of layer
   * {@code layer} among those inactive after dropping {@code dropped}. A just-dropped connection is
   * a candidate (it then keeps its old value and optimizer state).
   *
   * @param dropped stored-weight indices dropped from the layer in this update, ascending
   */
  long[] grow(MaskUpdateContext ctx, long t, int layer, int[] dropped, int n);

  /**
   * Whether {@link #grow} reads, of the inactive positions' dense gradient, only the n of largest
   * |g| (equal |g| by the lower position), so a trainer may stream just those (see
   * {@link org.sparsetrain.training.sparsity.SparsityMethod#largestInactiveGradients}).
   */
  default boolean readsOnlyLargest() {
    return false;
  }

  /**
   * Whether {@link #grow} reads the optimizer state ({@link MaskUpdateContext#optimizer()}, e.g.
   * momentum): a method growing by it then requires
   * {@link org.sparsetrain.training.sparsity.Requirement#OPTIMIZER_STATE_ON_DRIVER}.
   */
  default boolean readsOptimizerState() {
    return false;
  }
}
