package org.sparsetrain.training.optim;

import java.io.Serializable;

/**
 * A first-order optimizer holding its state per stored weight: {@link #slots()} arrays aligned with
 * a layer's values (and, separately, its bias). Because state is aligned with the non-zeros, a
 * structure change remaps it like the values (see {@link OptimizerState#follow}); a new
 * connection starts with zero state.
 *
 * <p>Lifecycle: {@link OptimizerState#create} allocates the state, {@link #update} is called once
 * per parameter block and step with the step count {@code t ≥ 1}. Implementations are immutable
 * and hold only hyper-parameters.
 */
public interface Optimizer extends Serializable {
  /** Number of state arrays per parameter (SGD with momentum 1, Adam 2). */
  int slots();

  /**
   * One update of {@code p[0..n)} with gradient {@code g[gOff .. gOff+n)}.
   *
   * @param decay whether weight decay applies to this block (weights yes, biases no)
   */
  void update(float[] p, float[][] state, float[] g, int gOff, int n, float lr, long t, boolean decay);

  /** Short description with hyper-parameters, for logs. */
  String describe();
}
