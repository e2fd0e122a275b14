package org.sparsetrain.training.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** A batch padded with zero lanes gives the unpadded batch's loss, accuracy and gradient. */
class PaddedBatchTest {
  @Test
  void zeroLanesAddNothing() {
    int[] sizes = {7, 9, 5, 3};
    for (Loss loss : Loss.values()) {
      Network net = TestNets.network(TestNets.Kind.MIXED, sizes, Activation.TANH, loss, 4);
      ParameterLayout layout = net.layout();
      int rows = 11;
      int lanes = 32;
      float[] x = TestNets.gaussian(sizes[0] * rows, 9);
      int[] y = TestNets.labels(lanes, 3, 2);
      float[] plain = new float[layout.size()];
      BatchStats a = net.accumulateGradient(x, rows, y, 0, 0.25f, plain, layout, net.workspace(rows));
      float[] padded = new float[sizes[0] * lanes];
      for (int f = 0; f < sizes[0]; f++) {
        System.arraycopy(x, f * rows, padded, f * lanes, rows);
      }
      float[] g = new float[layout.size()];
      BatchStats b = net.accumulateGradient(padded, rows, lanes, y, 0, 0.25f, g, layout, net.workspace(lanes));
      assertEquals(a.lossSum(), b.lossSum(), 1e-6 * a.lossSum(), loss + " loss (vector lanes and scalar tails round differently)");
      assertEquals(a.correct(), b.correct(), loss + " correct");
      assertEquals(rows, b.count());
      for (int i = 0; i < g.length; i++) {
        assertEquals(plain[i], g[i], 1e-6 * (1 + Math.abs(plain[i])), loss + " gradient " + i);
      }
    }
  }

  @Test
  void moreRowsThanLanesIsRefused() {
    Network net = TestNets.network(TestNets.Kind.SPARSE, new int[] {4, 3}, Activation.RELU, Loss.MSE, 1);
    float[] g = new float[net.layout().size()];
    assertThrows(IllegalArgumentException.class,
        () -> net.accumulateGradient(new float[64], 17, 16, new int[17], 0, 1f, g, net.layout(), net.workspace(17)));
  }
}
