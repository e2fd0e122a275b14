package org.sparsetrain.training.optim;

/**
 * Stochastic gradient descent with (Nesterov) momentum and weight decay, with PyTorch's
 * {@code torch.optim.SGD} semantics (dampening 0): {@code g ← g + λp} (L2, coupled),
 * {@code b ← μb + g}, step {@code g + μb} (Nesterov) or {@code b}; decoupled decay instead
 * shrinks {@code p ← p − lr·λ·p} (Loshchilov &amp; Hutter 2019).
 */
public final class Sgd implements Optimizer {
  private final float momentum;
  private final boolean nesterov;
  private final float weightDecay;
  private final boolean decoupled;

  /**
   * @param momentum μ in [0,1), 0 for plain SGD
   * @param nesterov Nesterov momentum (needs μ &gt; 0)
   * @param weightDecay λ ≥ 0
   * @param decoupled decoupled weight decay instead of L2 on the gradient
   */
  public Sgd(double momentum, boolean nesterov, double weightDecay, boolean decoupled) {
    if (!(momentum >= 0 && momentum < 1)) {
      throw new IllegalArgumentException("optimizer.momentum must be in [0,1), got " + momentum);
    }
    if (nesterov && momentum == 0) {
      throw new IllegalArgumentException("optimizer.nesterov needs optimizer.momentum > 0");
    }
    if (!(weightDecay >= 0)) {
      throw new IllegalArgumentException("optimizer.weight_decay must be >= 0, got " + weightDecay);
    }
    this.momentum = (float) momentum;
    this.nesterov = nesterov;
    this.weightDecay = (float) weightDecay;
    this.decoupled = decoupled;
  }

  @Override
  public int slots() {
    return momentum > 0 ? 1 : 0;
  }

  @Override
  public void update(float[] p, float[][] state, float[] g, int gOff, int n, float lr, long t, boolean decay) {
    float wd = decay ? weightDecay : 0f;
    float[] buf = momentum > 0 ? state[0] : null;
    for (int i = 0; i < n; i++) {
      float gi = g[gOff + i];
      if (wd != 0f) {
        if (decoupled) {
          p[i] -= lr * wd * p[i];
        } else {
          gi += wd * p[i];
        }
      }
      if (buf != null) {
        float b = momentum * buf[i] + gi;
        buf[i] = b;
        gi = nesterov ? gi + momentum * b : b;
      }
      p[i] -= lr * gi;
    }
  }

  @Override
  public String describe() {
    return "sgd(momentum=" + momentum + (nesterov ? ", nesterov" : "") + ", weight_decay=" + weightDecay
        + (decoupled ? " decoupled" : "") + ")";
  }
}
