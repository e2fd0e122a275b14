package org.sparsetrain.training.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * SGD against numbers worked out by hand with PyTorch's {@code torch.optim.SGD} rules (dampening 0):
 * g ← g + λp (L2), b ← μb + g, step = b or g + μb (Nesterov), p ← p − lr·step; decoupled decay
 * first shrinks p ← p − lr·λ·p. Every case: lr 0.1, p₀ = 1, gradients 0.5, 0.25, −1.
 */
class SgdTest {
  private static final float[] GRADS = {0.5f, 0.25f, -1f};
  private static final float LR = 0.1f;

  /** Runs three steps on a block of one parameter (gradient read at offset 3) and returns p after each. */
  private static float[] run(Sgd sgd, boolean decay) {
    float[] p = {1f};
    float[][] state = new float[sgd.slots()][1];
    float[] out = new float[3];
    for (int t = 1; t <= 3; t++) {
      float[] g = {9f, 9f, 9f, GRADS[t - 1]};
      sgd.update(p, state, g, 3, 1, LR, t, decay);
      out[t - 1] = p[0];
    }
    return out;
  }

  private static void assertSteps(double[] expected, float[] actual) {
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 2e-6, "after step " + (i + 1));
    }
  }

  @Test
  void plain() {
    // p1 = 1 − 0.1·0.5 = 0.95; p2 = 0.95 − 0.025 = 0.925; p3 = 0.925 + 0.1 = 1.025
    Sgd sgd = new Sgd(0, false, 0, false);
    assertEquals(0, sgd.slots());
    assertSteps(new double[] {0.95, 0.925, 1.025}, run(sgd, true));
  }

  @Test
  void momentum() {
    // b1 = 0.5, p1 = 0.95; b2 = 0.45 + 0.25 = 0.7, p2 = 0.88; b3 = 0.63 − 1 = −0.37, p3 = 0.917
    assertSteps(new double[] {0.95, 0.88, 0.917}, run(new Sgd(0.9, false, 0, false), true));
  }

  @Test
  void nesterov() {
    // b1 = 0.5, step 0.5 + 0.45 = 0.95, p1 = 0.905; b2 = 0.7, step 0.25 + 0.63 = 0.88, p2 = 0.817;
    // b3 = −0.37, step −1 − 0.333 = −1.333, p3 = 0.9503
    assertSteps(new double[] {0.905, 0.817, 0.9503}, run(new Sgd(0.9, true, 0, false), true));
  }

  @Test
  void l2WeightDecay() {
    // λ = 0.1, μ = 0.9: g1 = 0.5 + 0.1 = 0.6, b1 = 0.6, p1 = 0.94;
    // g2 = 0.25 + 0.094 = 0.344, b2 = 0.54 + 0.344 = 0.884, p2 = 0.8516;
    // g3 = −1 + 0.08516 = −0.91484, b3 = 0.7956 − 0.91484 = −0.11924, p3 = 0.863524
    assertSteps(new double[] {0.94, 0.8516, 0.863524}, run(new Sgd(0.9, false, 0.1, false), true));
  }

  @Test
  void decoupledWeightDecay() {
    // λ = 0.1, μ = 0.9: shrink by 1 − 0.01 first. p = 0.99, b1 = 0.5, p1 = 0.94;
    // p = 0.9306, b2 = 0.7, p2 = 0.8606; p = 0.851994, b3 = −0.37, p3 = 0.888994
    assertSteps(new double[] {0.94, 0.8606, 0.888994}, run(new Sgd(0.9, false, 0.1, true), true));
  }

  @Test
  void noDecayOnBlocksThatOptOut() {
    // biases: decay=false, so λ has no effect and this equals plain momentum
    assertSteps(new double[] {0.95, 0.88, 0.917}, run(new Sgd(0.9, false, 0.1, false), false));
    assertSteps(new double[] {0.95, 0.88, 0.917}, run(new Sgd(0.9, false, 0.1, true), false));
  }

  @Test
  void momentumBufferHoldsState() {
    Sgd sgd = new Sgd(0.9, false, 0, false);
    float[] p = {1f, 2f};
    float[][] st = new float[1][2];
    sgd.update(p, st, new float[] {0.5f, -1f}, 0, 2, LR, 1, true);
    sgd.update(p, st, new float[] {0.25f, 1f}, 0, 2, LR, 2, true);
    assertEquals(0.7f, st[0][0], 1e-7);
    assertEquals(0.1f, st[0][1], 1e-7);   // 0.9·(−1) + 1
    assertEquals(2.09f, p[1], 1e-6);       // 2 + 0.1 − 0.01
  }

  @Test
  void rejectsBadHyperParameters() {
    assertThrows(IllegalArgumentException.class, () -> new Sgd(1.0, false, 0, false));
    assertThrows(IllegalArgumentException.class, () -> new Sgd(0, true, 0, false));
    assertThrows(IllegalArgumentException.class, () -> new Sgd(0.9, false, -1, false));
  }

  @Test
  void momentumFollowsTheRuleBitForBitOnManyParameters() {
    java.util.Random r = new java.util.Random(3);
    for (boolean nesterov : new boolean[] {false, true}) {
      for (float wd : new float[] {0f, 1e-4f}) {
        int n = 1003;
        float[] p = new float[n];
        float[] buf = new float[n];
        float[] g = new float[n + 5];
        for (int i = 0; i < n; i++) {
          p[i] = (float) r.nextGaussian();
          buf[i] = (float) r.nextGaussian();
          g[i + 5] = (float) r.nextGaussian();
        }
        float[] ep = p.clone();
        float[] eb = buf.clone();
        for (int i = 0; i < n; i++) {
          float gi = g[i + 5];
          if (wd != 0f) {
            gi += wd * ep[i];
          }
          float b = 0.9f * eb[i] + gi;
          eb[i] = b;
          gi = nesterov ? gi + 0.9f * b : b;
          ep[i] -= 0.05f * gi;
        }
        new Sgd(0.9, nesterov, wd, false).update(p, new float[][] {buf}, g, 5, n, 0.05f, 1, true);
        for (int i = 0; i < n; i++) {
          assertEquals(Float.floatToRawIntBits(ep[i]), Float.floatToRawIntBits(p[i]), "p " + i);
          assertEquals(Float.floatToRawIntBits(eb[i]), Float.floatToRawIntBits(buf[i]), "buf " + i);
        }
      }
    }
  }
}
