package org.sparsetrain.training.sparsity;

import java.io.Serializable;
import java.util.Set;
import org.sparsetrain.training.nn.Network;

/**
 * A way of training sparse: the initial per-layer densities and every later mask change. Both
 * trainers drive a method the same way, after each step t:
 * <ol>
 *   <li>if {@link #updatesAt(t)} is false: apply the optimizer;</li>
 *   <li>otherwise apply the optimizer unless {@link #skipsOptimizerOnUpdate()} (RigL), then call
 *   {@link #decide(long, MaskUpdateContext)} and apply the returned {@link MaskDecision} to the
 *   layers and the optimizer state ({@link MaskApplier}).</li>
 * </ol>
 * Methods are immutable; any schedule state they need is a function of the step, so a resumed
 * run makes the same decisions. Randomness must come from {@link org.sparsetrain.training.util.Rng}
 * keyed by (seed, step, layer).
 */
public interface SparsityMethod extends Serializable {
  /** The registered name ({@code static}, {@code set}, {@code rigl}, …). */
  String name();

  /** Density of each weight layer at initialisation, for a network of the given sizes. */
  double[] initialDensities(int[] sizes);

  /** Whether the mask changes after step t (1-based). */
  boolean updatesAt(long t);

  /** RigL skips the optimizer update on a mask-update step; SET and SNFS apply it first. */
  default boolean skipsOptimizerOnUpdate() {
    return false;
  }

  /** What the decision at step t needs beyond values and the sparse gradient. */
  default GrowthInput growthInput(long t) {
    return GrowthInput.NONE;
  }

  /**
   * With {@link GrowthInput#DENSE_GRADIENT}: how many inactive positions of each layer the
   * decision at step t reads at most, the largest |∂L/∂w| first (equal by the lower position), or
   * null (the default) if it reads them all. A distributed trainer then streams, for layer l, only
   * a subset of its inactive positions that holds the {@code m[l]} largest (see
   * {@link MaskUpdateContext#inactiveGradient}). Called before {@link #decide} with the network as
   * {@code decide} sees it.
   */
  default int[] largestInactiveGradients(long t, Network net) {
    return null;
  }

  /**
   * What this method needs from the step engine that not every engine gives (none by default); an
   * engine refuses a method whose requirements it cannot meet, before training.
   */
  default Set<Requirement> requirements() {
    return Set.of();
  }

  /** Whether layers are stored dense (only the {@code dense} baseline). */
  default boolean dense() {
    return false;
  }

  /** Extra gradient term added to every layer before the optimizer (SR-STE for N:M); none by default. */
  default void adjustGradient(long t, MaskUpdateContext ctx) {}

  /** Decides the change of every layer after step t. */
  MaskDecision decide(long t, MaskUpdateContext ctx);

  /** The per-layer target density the method aims at after step t (reported in metrics). */
  default double[] targetDensities(long t, int[] sizes) {
    return initialDensities(sizes);
  }
}
