package org.sparsetrain.training.optim;

/**
 * Adam (Kingma &amp; Ba 2015; defaults β₁=0.9, β₂=0.999, ε=1e-8) with bias correction; with
 * {@code decoupled} weight decay it is AdamW (Loshchilov &amp; Hutter 2019), otherwise weight decay is
 * L2 added to the gradient. A new connection starts with zero moments; bias correction uses the
 * global step, as masked Adam does in RigL's code.
 */
public final class Adam implements Optimizer {
  private final float beta1;
  private final float beta2;
  private final float eps;
  private final float weightDecay;
  private final boolean decoupled;

  public Adam(double beta1, double beta2, double eps, double weightDecay, boolean decoupled) {
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
      throw new IllegalArgumentException("optimizer.beta1/beta2 must be in [0,1), got " + beta1 + ", " + beta2);
    }
    if (!(eps > 0)) {
      throw new IllegalArgumentException("optimizer.eps must be > 0, got " + eps);
    }
    if (!(weightDecay >= 0)) {
      throw new IllegalArgumentException("optimizer.weight_decay must be >= 0, got " + weightDecay);
    }
    this.beta1 = (float) beta1;
    this.beta2 = (float) beta2;
    this.eps = (float) eps;
    this.weightDecay = (float) weightDecay;
    this.decoupled = decoupled;
  }

  @Override
  public int slots() {
    return 2;
  }

  @Override
  public void update(float[] p, float[][] state, float[] g, int gOff, int n, float lr, long t, boolean decay) {
    float[] m = state[0];
    float[] v = state[1];
    float wd = decay ? weightDecay : 0f;
    double c1 = 1.0 - Math.pow(beta1, t);
    double c2 = 1.0 - Math.pow(beta2, t);
    float stepSize = (float) (lr * Math.sqrt(c2) / c1);
    float epsHat = (float) (eps * Math.sqrt(c2));
    for (int i = 0; i < n; i++) {
      float gi = g[gOff + i];
      if (wd != 0f) {
        if (decoupled) {
          p[i] -= lr * wd * p[i];
        } else {
          gi += wd * p[i];
        }
      }
      float mi = beta1 * m[i] + (1f - beta1) * gi;
      float vi = beta2 * v[i] + (1f - beta2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] -= stepSize * mi / ((float) Math.sqrt(vi) + epsHat);
    }
  }

  @Override
  public String describe() {
    return (decoupled ? "adamw" : "adam") + "(beta1=" + beta1 + ", beta2=" + beta2 + ", eps=" + eps
        + ", weight_decay=" + weightDecay + ")";
  }
}
