package org.sparsetrain.training.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Activations held from an offset (as {@link Network} keeps them on cache lines) change no result
 * bit: every layer kernel at offsets 0..15 of padded arrays against offset 0, and a network's
 * gradient, logits and workspace contents against the same layer calls on plain arrays.
 */
class ActivationOffsetsTest {

  @ParameterizedTest(name = "{0}x{1} density {2} batch {3}")
  @CsvSource({
      // plain and blocked forward, fused backward with tiles of 8 and 4 vectors and row blocks,
      // separate gradients with tiles of 8, 4, 2, 1 vectors and scalar tails; dense and sparse
      "300,260,0.1,128", "300,260,0.1,64", "300,140,0.1,192", "200,30,0.3,112", "150,30,0.1,200",
      "50,40,0.5,37", "9,70,0.9,48", "60,60,0.05,16", "50,40,1.0,128"})
  void kernelsGiveTheSameBitsAtEveryOffset(int in, int out, double density, int batch) {
    long seed = in * 1000L + out + batch;
    SparseLinear sp = Init.sparse(in, out, Init.nnzFor(density, in, out), seed, 0);
    System.arraycopy(TestNets.gaussian(out, seed + 1), 0, sp.bias(), 0, out);
    DenseLinear de = new DenseLinear(in, out, sp.toDense(), sp.bias().clone());
    float[] x = TestNets.gaussian(in * batch, seed + 2);
    float[] delta = TestNets.gaussian(out * batch, seed + 3);
    float[] dx0 = TestNets.gaussian(in * batch, seed + 4);
    for (Layer layer : new Layer[] {sp, de}) {
      float[][] want = run(layer, x, delta, dx0, batch, 0, 0, 0, 0);
      for (int o = 1; o < Alignment.LINE_FLOATS; o++) {
        float[][] got = run(layer, x, delta, dx0, batch, o, (5 * o + 3) % 16, (7 * o + 1) % 16, (3 * o + 2) % 16);
        String what = (layer.isSparse() ? "sparse" : "dense") + " at offset " + o;
        for (int i = 0; i < want.length; i++) {
          assertArrayEquals(bits(want[i]), bits(got[i]), what + ", result " + i);
        }
      }
    }
  }

  /** y, gW, gB, dx and gW without dx, each read back from its offset. */
  private static float[][] run(Layer l, float[] x, float[] delta, float[] dx0, int batch, int xo, int yo, int dOff, int dxo) {
    int ny = l.outFeatures() * batch;
    int nx = l.inFeatures() * batch;
    float[] xp = placed(x, xo);
    float[] dp = placed(delta, dOff);
    float[] dxp = placed(dx0, dxo);
    float[] y = new float[ny + 16];
    l.forward(xp, xo, batch, y, yo);
    float[] gw = TestNets.gaussian(l.nnz(), 99);
    float[] gb = new float[l.outFeatures()];
    l.backward(xp, xo, dp, dOff, batch, gw, 0, gb, 0, dxp, dxo);
    float[] gw2 = TestNets.gaussian(l.nnz(), 99);
    l.backward(xp, xo, dp, dOff, batch, gw2, 0, new float[l.outFeatures()], 0, null, 0);
    return new float[][] {Arrays.copyOfRange(y, yo, yo + ny), gw, gb, Arrays.copyOfRange(dxp, dxo, dxo + nx), gw2};
  }

  /** a copied into a padded array from index o, NaN around it (a kernel that reads outside shows). */
  private static float[] placed(float[] a, int o) {
    float[] p = new float[a.length + 16];
    Arrays.fill(p, Float.NaN);
    System.arraycopy(a, 0, p, o, a.length);
    return p;
  }

  private static int[] bits(float[] a) {
    int[] b = new int[a.length];
    for (int i = 0; i < a.length; i++) {
      b[i] = Float.floatToRawIntBits(a[i]);
    }
    return b;
  }

  @ParameterizedTest(name = "{0} batch {1}")
  @CsvSource({"RELU,128", "RELU,37", "TANH,64", "SIGMOID,16"})
  void networkMatchesTheLayersOnPlainArrays(Activation act, int batch) {
    int[] sizes = {130, 150, 140, 10};
    Network net = TestNets.network(TestNets.Kind.MIXED, sizes, act, Loss.SOFTMAX_CROSS_ENTROPY, 7);
    int[] labels = TestNets.labels(batch, 10, 8);
    Network.Workspace ws = net.workspace(batch);
    for (int trial = 0; trial < 6; trial++) {
      // inputs of different lengths allocated in turn: their data start at different places
      float[] x = Arrays.copyOf(TestNets.gaussian(sizes[0] * batch, 9), sizes[0] * batch + trial);
      float[] grad = new float[net.layout().size()];
      net.accumulateGradient(x, batch, labels, 0, 0.5f, grad, net.layout(), ws);

      // the same passes on plain arrays, in the same order
      int n = net.layerCount();
      float[][] acts = new float[n + 1][];
      acts[0] = x;
      for (int l = 0; l < n; l++) {
        acts[l + 1] = new float[sizes[l + 1] * batch];
        net.layer(l).forward(acts[l], batch, acts[l + 1]);
        if (l < n - 1) {
          act.forward(acts[l + 1], 0, sizes[l + 1] * batch);
        }
      }
      float[][] deltas = new float[n][];
      deltas[n - 1] = new float[10 * batch];
      net.loss().lossAndDelta(acts[n], 10, batch, batch, labels, 0, 0.5f, deltas[n - 1]);
      float[] want = new float[grad.length];
      ParameterLayout layout = net.layout();
      for (int l = n - 1; l >= 0; l--) {
        float[] dx = l > 0 ? new float[sizes[l] * batch] : null;
        net.layer(l).backward(acts[l], deltas[l], batch, want, layout.weightOffset(l), want, layout.biasOffset(l), dx);
        if (l > 0) {
          act.backward(acts[l], 0, dx, 0, sizes[l] * batch);
          deltas[l - 1] = dx;
        }
      }
      assertArrayEquals(bits(want), bits(grad), "gradient, trial " + trial);
      for (int l = 0; l < n; l++) {
        int ni = sizes[l] * batch;
        int no = sizes[l + 1] * batch;
        assertArrayEquals(bits(Arrays.copyOf(acts[l], ni)), bits(Arrays.copyOf(ws.input(l), ni)), "input " + l);
        assertArrayEquals(bits(deltas[l]), bits(Arrays.copyOf(ws.delta(l), no)), "delta " + l);
        // a second call finds the data where the first left it
        assertArrayEquals(bits(deltas[l]), bits(Arrays.copyOf(ws.delta(l), no)), "delta " + l + " again");
      }
      assertEquals(batch, ws.batch());
    }
  }
}
