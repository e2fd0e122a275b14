package org.sparsetrain.training.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The branch-free ReLU gives the scalar loops' bits, including -0, NaN and the vector tails. */
class ReluTest {
  private static float[] values(int n, long seed) {
    Random r = new Random(seed);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = switch (r.nextInt(8)) {
        case 0 -> -0f;
        case 1 -> 0f;
        case 2 -> Float.NaN;
        case 3 -> Float.NEGATIVE_INFINITY;
        default -> (float) r.nextGaussian();
      };
    }
    return a;
  }

  @Test
  void forwardAndBackwardMatchTheScalarDefinition() {
    for (int n : new int[] {0, 1, 15, 16, 17, 64, 1000, 1003}) {
      float[] a = values(n, n);
      float[] expected = a.clone();
      for (int i = 0; i < n; i++) {
        if (expected[i] < 0f) {
          expected[i] = 0f;
        }
      }
      Activation.RELU.forward(a, 0, n);
      for (int i = 0; i < n; i++) {
        assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(a[i]), "forward n=" + n + " i=" + i);
      }
      float[] y = values(n, 100 + n);
      float[] delta = values(n, 200 + n);
      float[] want = delta.clone();
      for (int i = 0; i < n; i++) {
        if (y[i] <= 0f) {
          want[i] = 0f;
        }
      }
      Activation.RELU.backward(y, 0, delta, 0, n);
      for (int i = 0; i < n; i++) {
        assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(delta[i]), "backward n=" + n + " i=" + i);
      }
    }
  }

  @Test
  void touchesNothingPastN() {
    float[] a = {-1f, -2f, -3f, -4f, -5f, -6f, -7f, -8f, -9f, -10f, -11f, -12f, -13f, -14f, -15f, -16f, -17f, -18f};
    Activation.RELU.forward(a, 0, 17);
    assertEquals(0f, a[16]);
    assertEquals(-18f, a[17]);
  }
}
