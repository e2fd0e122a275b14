package org.sparsetrain.training.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sparsetrain.training.nn.TestNets.Kind;

class FingerprintTest {

  @Test
  void stableAndSensitiveToOneUlp() {
    Network net = TestNets.network(Kind.MIXED, new int[] {12, 9, 4}, Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY, 3);
    String f = Fingerprint.of(net);
    assertTrue(f.matches("[0-9a-f]{64}"), f);
    assertEquals(f, Fingerprint.of(net), "stable across calls");
    assertEquals(f, Fingerprint.of(net.copy()), "a copy has the same fingerprint");
    assertEquals(f, Fingerprint.of(TestNets.network(Kind.MIXED, new int[] {12, 9, 4}, Activation.RELU,
        Loss.SOFTMAX_CROSS_ENTROPY, 3)), "same construction, same fingerprint");

    for (int l = 0; l < net.layerCount(); l++) {
      float[] v = net.layer(l).values();
      int k = v.length / 2;
      float keep = v[k];
      v[k] = Math.nextUp(keep);
      assertNotEquals(f, Fingerprint.of(net), "one ulp up in layer " + l + " weight");
      v[k] = Math.nextDown(keep);
      assertNotEquals(f, Fingerprint.of(net), "one ulp down in layer " + l + " weight");
      v[k] = keep;
      assertEquals(f, Fingerprint.of(net));

      float[] b = net.layer(l).bias();
      keep = b[0];
      b[0] = Math.nextUp(keep);
      assertNotEquals(f, Fingerprint.of(net), "one ulp in layer " + l + " bias");
      b[0] = keep;
      assertEquals(f, Fingerprint.of(net));
    }
  }

  @Test
  void sensitiveToMaskWithEqualValues() {
    SparseLinear a = new SparseLinear(3, 2, new int[] {0, 1, 2}, new int[] {0, 1}, new float[] {1, 1}, new float[2]);
    SparseLinear b = new SparseLinear(3, 2, new int[] {0, 1, 2}, new int[] {0, 2}, new float[] {1, 1}, new float[2]);
    SparseLinear c = new SparseLinear(3, 2, new int[] {0, 2, 2}, new int[] {0, 1}, new float[] {1, 1}, new float[2]);
    String fa = Fingerprint.of(new Network(java.util.List.of(a), Activation.RELU, Loss.MSE));
    String fb = Fingerprint.of(new Network(java.util.List.of(b), Activation.RELU, Loss.MSE));
    String fc = Fingerprint.of(new Network(java.util.List.of(c), Activation.RELU, Loss.MSE));
    assertNotEquals(fa, fb);
    assertNotEquals(fa, fc);
  }
}
