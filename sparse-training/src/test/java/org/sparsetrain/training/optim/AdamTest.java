package org.sparsetrain.training.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * Adam/AdamW against PyTorch's {@code torch.optim.Adam}/{@code AdamW} update written out in double
 * below (m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ), p ← p − lr·m̂/(√v̂ + ε); L2 adds λp to g, AdamW first
 * shrinks p ← p − lr·λ·p), plus the first step worked out by hand.
 */
class AdamTest {
  private static final double LR = 0.1;
  private static final double B1 = 0.9;
  private static final double B2 = 0.999;
  private static final double EPS = 1e-8;
  private static final float[] GRADS = {0.5f, 0.25f, -1f};

  /** PyTorch's Adam on one scalar, three steps, in double. */
  private static double[] reference(double wd, boolean decoupled) {
    double p = 1;
    double m = 0;
    double v = 0;
    double[] out = new double[3];
    for (int t = 1; t <= 3; t++) {
      double g = GRADS[t - 1];
      if (decoupled) {
        p -= LR * wd * p;
      } else {
        g += wd * p;
      }
      m = B1 * m + (1 - B1) * g;
      v = B2 * v + (1 - B2) * g * g;
      double mh = m / (1 - Math.pow(B1, t));
      double vh = v / (1 - Math.pow(B2, t));
      p -= LR * mh / (Math.sqrt(vh) + EPS);
      out[t - 1] = p;
    }
    return out;
  }

  private static float[] run(Adam adam, boolean decay, float[][] state) {
    float[] p = {1f};
    float[] out = new float[3];
    for (int t = 1; t <= 3; t++) {
      adam.update(p, state, new float[] {GRADS[t - 1]}, 0, 1, (float) LR, t, decay);
      out[t - 1] = p[0];
    }
    return out;
  }

  private static void assertClose(double[] expected, float[] actual) {
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 2e-6, "after step " + (i + 1));
    }
  }

  @Test
  void adamFirstStepByHand() {
    float[][] st = new float[2][1];
    float[] p = {1f};
    new Adam(B1, B2, EPS, 0, false).update(p, st, new float[] {0.5f}, 0, 1, 0.1f, 1, true);
    // m = 0.1·0.5 = 0.05, v = 0.001·0.25 = 0.00025; m̂ = 0.5, v̂ = 0.25; p = 1 − 0.1·0.5/0.5 = 0.9
    // β is stored as float, so 1 − β carries float rounding (≈ 2e-7 relative for 0.9, 1e-5 for 0.999)
    assertEquals(0.05, st[0][0], 0.05 * 1e-6);
    assertEquals(0.00025, st[1][0], 0.00025 * 3e-5);
    assertEquals(0.9f, p[0], 1e-6);
  }

  @Test
  void adamThreeSteps() {
    float[][] st = new float[2][1];
    float[] got = run(new Adam(B1, B2, EPS, 0, false), true, st);
    assertClose(reference(0, false), got);
    // second step by hand: m = 0.045 + 0.025 = 0.07, v = 0.00024975 + 0.0000625 = 0.00031225,
    // m̂ = 0.07/0.19, v̂ = 0.00031225/0.001999; p2 = 0.9 − 0.1·0.368421/0.395225 = 0.806782
    assertEquals(0.806782, got[1], 2e-6);
  }

  @Test
  void adamWithL2() {
    assertClose(reference(0.1, false), run(new Adam(B1, B2, EPS, 0.1, false), true, new float[2][1]));
  }

  @Test
  void adamW() {
    float[] got = run(new Adam(B1, B2, EPS, 0.1, true), true, new float[2][1]);
    // step 1 by hand: shrink to 0.99, then − 0.1·m̂/√v̂ = − 0.1 → 0.89
    assertEquals(0.89, got[0], 2e-6);
    assertClose(reference(0.1, true), got);
    assertNotEquals(reference(0.1, false)[2], reference(0.1, true)[2], 1e-3, "L2 and decoupled differ");
  }

  @Test
  void noDecayWhenBlockOptsOut() {
    assertClose(reference(0, false), run(new Adam(B1, B2, EPS, 0.1, true), false, new float[2][1]));
    assertClose(reference(0, false), run(new Adam(B1, B2, EPS, 0.1, false), false, new float[2][1]));
  }

  @Test
  void rejectsBadHyperParameters() {
    assertThrows(IllegalArgumentException.class, () -> new Adam(1.0, 0.999, 1e-8, 0, false));
    assertThrows(IllegalArgumentException.class, () -> new Adam(0.9, 0.999, 0, 0, false));
    assertThrows(IllegalArgumentException.class, () -> new Adam(0.9, 0.999, 1e-8, -0.1, true));
  }
}
