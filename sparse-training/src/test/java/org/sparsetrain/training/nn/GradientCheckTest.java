package org.sparsetrain.training.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparsetrain.training.nn.TestNets.Kind;
import org.sparsetrain.training.nn.TestNets.Params;

/**
 * Analytic gradients of {@link Network#accumulateGradient} (float) against central finite
 * differences of an independent double-precision forward pass ({@link TestNets#meanLoss}).
 *
 * <p>Tolerance: the reference is exact to about 1e-10 (double, step h = 1e-6: truncation error
 * O(h²) ≈ 1e-12, rounding error ≈ 1e-16/h = 1e-10). The analytic gradient is computed in float32:
 * each value is a sum of at most a few dozen products of O(1) terms, so its rounding error is a few
 * ulps of those terms, ≲ 1e-6 absolute. We allow |g − g_ref| ≤ 2e-5 + 1e-3·|g_ref|, which is ~20×
 * that float error yet far below what a wrong sign, a missing factor or a wrong index produces
 * (gradients here are O(0.01–1)). ReLU is not differentiable at 0, so every hidden pre-activation
 * must stay ≥ 1e-4 ≫ h away from the kink; the test checks that margin rather than assuming it.
 */
class GradientCheckTest {
  private static final double H = 1e-6;

  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    for (Kind kind : Kind.values()) {
      for (Activation act : new Activation[] {Activation.RELU, Activation.TANH, Activation.SIGMOID}) {
        for (Loss loss : Loss.values()) {
          cases.add(Arguments.of(kind, act, loss, new int[] {7, 6, 5, 4}));
          cases.add(Arguments.of(kind, act, loss, new int[] {9, 8, 3}));
        }
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0} {1} {2} {3}")
  @MethodSource("cases")
  void gradientsMatchFiniteDifferences(Kind kind, Activation act, Loss loss, int[] sizes) {
    long seed = 11 + sizes.length * 131 + act.ordinal() * 7 + loss.ordinal() * 3 + kind.ordinal();
    Network net = TestNets.network(kind, sizes, act, loss, seed);
    int batch = 5;
    int classes = sizes[sizes.length - 1];
    float[] x = TestNets.gaussian(sizes[0] * batch, seed + 1);
    int[] labels = TestNets.labels(batch, classes, seed + 2);

    ParameterLayout layout = net.layout();
    float[] grad = new float[layout.size()];
    Network.Workspace ws = net.workspace(batch);
    BatchStats stats = net.accumulateGradient(x, batch, labels, 0, 1f / batch, grad, layout, ws);

    Params p = new Params(net);
    double[] xd = TestNets.toDouble(x);
    double[] margin = new double[1];
    double refLoss = TestNets.meanLoss(p, act, loss, xd, batch, labels, margin);
    assertEquals(refLoss, stats.lossSum() / batch, 1e-5 * Math.max(1, Math.abs(refLoss)), "loss value");
    if (act == Activation.RELU) {
      assertTrue(margin[0] > 1e-4, "test set-up: a hidden pre-activation is within " + margin[0] + " of ReLU's kink");
    }

    DoubleSupplier f = () -> TestNets.meanLoss(p, act, loss, xd, batch, labels, null);
    double maxRef = 0;
    for (int l = 0; l < net.layerCount(); l++) {
      maxRef = Math.max(maxRef, check(f, p.w[l], grad, layout.weightOffset(l), "layer " + l + " weight"));
      maxRef = Math.max(maxRef, check(f, p.b[l], grad, layout.biasOffset(l), "layer " + l + " bias"));
    }
    assertTrue(maxRef > 1e-3, "gradients are not trivially zero (max " + maxRef + ")");

    // Input gradient of the first layer: ∂L/∂x = W₀ᵀ δ₀, with δ₀ left in the workspace.
    float[] dx = new float[sizes[0] * batch];
    Layer first = net.layer(0);
    first.backward(x, ws.delta(0), batch, new float[first.nnz()], 0, new float[first.outFeatures()], 0, dx);
    double maxDx = check(f, xd, dx, 0, "input");
    assertTrue(maxDx > 1e-3, "input gradient not trivially zero");
  }

  /** Checks g[off + i] against the central difference of f in param[i]; returns max |reference|. */
  private static double check(DoubleSupplier f, double[] param, float[] g, int off, String what) {
    double maxRef = 0;
    for (int i = 0; i < param.length; i++) {
      double keep = param[i];
      param[i] = keep + H;
      double plus = f.getAsDouble();
      param[i] = keep - H;
      double minus = f.getAsDouble();
      param[i] = keep;
      double ref = (plus - minus) / (2 * H);
      maxRef = Math.max(maxRef, Math.abs(ref));
      double tol = 2e-5 + 1e-3 * Math.abs(ref);
      assertEquals(ref, g[off + i], tol, what + " " + i);
    }
    return maxRef;
  }

  @Test
  void gradientAccumulatesAndScales() {
    Network net = TestNets.network(Kind.SPARSE, new int[] {6, 5, 3}, Activation.TANH, Loss.SOFTMAX_CROSS_ENTROPY, 5);
    int batch = 4;
    float[] x = TestNets.gaussian(6 * batch, 6);
    int[] y = TestNets.labels(batch, 3, 7);
    ParameterLayout layout = net.layout();
    Network.Workspace ws = net.workspace(8);
    float[] once = new float[layout.size()];
    net.accumulateGradient(x, batch, y, 0, 1f, once, layout, ws);
    float[] twice = new float[layout.size()];
    net.accumulateGradient(x, batch, y, 0, 0.5f, twice, layout, ws);
    net.accumulateGradient(x, batch, y, 0, 1.5f, twice, layout, ws);
    for (int i = 0; i < once.length; i++) {
      assertEquals(2 * once[i], twice[i], 1e-5 * Math.max(1, Math.abs(once[i])), "index " + i);
    }
  }
}
