package org.sparsetrain.training.sparsity;

import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.ParameterLayout;
import org.sparsetrain.training.optim.OptimizerState;

/** What a {@link SparsityMethod} sees when it decides a mask change. */
public interface MaskUpdateContext {
  /** The model (values as of this step; the method must not modify it). */
  Network network();

  /** Optimizer state aligned with the values (SNFS reads its momentum). */
  OptimizerState optimizer();

  /** The sparse gradient of this step's global batch, laid out by {@link #layout()}. */
  float[] gradient();

  ParameterLayout layout();

  /** The run's seed, for keyed randomness. */
  long seed();

  /** Total optimizer steps of the run. */
  long totalSteps();

  /**
   * The learning rate of this step (1-based step t = the step being finished), for criteria that
   * express a new connection's value as one gradient step from zero (SR-STE re-entry, RigL's
   * gradient grow-init). NaN when the trainer does not provide it.
   */
  default float learningRate() {
    return Float.NaN;
  }

  /**
   * Streams the gradient of this step's global batch at the positions of layer l that are
   * <em>inactive</em> before the update, in row blocks (ascending positions). Only valid when the
   * method asked for {@link GrowthInput#DENSE_GRADIENT}. No block holds the whole dense layer.
   * When the method's {@link SparsityMethod#largestInactiveGradients} gave a count m for the layer,
   * the trainer may stream only some of the positions, among them the m of largest |g| (equal |g|
   * by the lower position).
   */
  void inactiveGradient(int layer, InactiveGradientVisitor visitor);

  /** Receives one row block of inactive-position gradients. */
  @FunctionalInterface
  interface InactiveGradientVisitor {
    /**
     * {@code positions[i] = row * in + col} ascending, {@code gradient[i]} its value, for i &lt; count.
     * The arrays are the trainer's buffers, valid during the call only: copy what you keep.
     */
    void visit(long[] positions, float[] gradient, int count);
  }
}
