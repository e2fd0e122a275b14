package org.sparsetrain.pruning;

import java.util.Arrays;
import java.util.List;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.InactiveBlock;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.ParameterLayout;
import org.sparsetrain.training.nn.SparseLinear;
import org.sparsetrain.training.optim.OptimizerState;
import org.sparsetrain.training.sparsity.MaskUpdateContext;
import org.sparsetrain.training.util.RadixSelect;

/**
 * A real mask-update context for hand-computed cases: the test gives the network, the sparse
 * gradient and the dense gradient of every layer (row-major out × in); inactive positions are
 * streamed in blocks of {@code blockRows} rows, like a trainer does.
 */
public final class TestContext implements MaskUpdateContext {
  private final Network net;
  private final OptimizerState opt;
  private final float[] grad;
  private final float[][] dense;
  private final long seed;
  private final float lr;
  private final int blockRows;
  /** Per layer, stream only each block's this many largest |g| (as a distributed trainer may), or null for all. */
  private int[] largest;

  public TestContext(Network net, OptimizerState opt, float[] grad, float[][] dense, long seed, float lr, int blockRows) {
    this.net = net;
    this.opt = opt;
    this.grad = grad;
    this.dense = dense;
    this.seed = seed;
    this.lr = lr;
    this.blockRows = blockRows;
  }

  /** A context whose sparse gradient is read off the dense one at the stored positions. */
  public static TestContext of(Network net, OptimizerState opt, float[][] dense, float lr) {
    ParameterLayout layout = net.layout();
    float[] g = new float[layout.size()];
    for (int l = 0; l < net.layerCount(); l++) {
      Layer layer = net.layer(l);
      int[] rp = layer.rowPtr();
      int[] ci = layer.colIdx();
      for (int r = 0; r + 1 < rp.length; r++) {
        for (int k = rp[r]; k < rp[r + 1]; k++) {
          g[layout.weightOffset(l) + k] = dense[l][r * layer.inFeatures() + ci[k]];
        }
      }
    }
    return new TestContext(net, opt, g, dense, 7, lr, 1);
  }

  /** A one-layer network from CSR arrays. */
  public static Network oneLayer(int in, int out, int[] rowPtr, int[] colIdx, float[] values) {
    return new Network(List.of(new SparseLinear(in, out, rowPtr, colIdx, values, new float[out])),
        Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY);
  }

  /** This context streaming only each block's {@code largest[l]} largest |g| of layer l, ties by position. */
  public TestContext streamingOnlyLargest(int[] largest) {
    TestContext c = new TestContext(net, opt, grad, dense, seed, lr, blockRows);
    c.largest = largest;
    return c;
  }

  @Override public Network network() { return net; }
  @Override public OptimizerState optimizer() { return opt; }
  @Override public float[] gradient() { return grad; }
  @Override public ParameterLayout layout() { return net.layout(); }
  @Override public long seed() { return seed; }
  @Override public long totalSteps() { return 1000; }
  @Override public float learningRate() { return lr; }

  @Override
  public void inactiveGradient(int l, InactiveGradientVisitor v) {
    Layer layer = net.layer(l);
    int in = layer.inFeatures();
    int[] rp = layer.rowPtr();
    int[] ci = layer.colIdx();
    for (int r0 = 0; r0 < layer.outFeatures(); r0 += blockRows) {
      int r1 = Math.min(layer.outFeatures(), r0 + blockRows);
      long[] pos = InactiveBlock.of(rp, ci, in, r0, r1).positions();
      float[] g = new float[pos.length];
      int n = pos.length;
      for (int i = 0; i < n; i++) {
        g[i] = dense[l][(int) pos[i]];
      }
      if (largest != null) {
        int[] keep = RadixSelect.largest(g, n, largest[l]);
        long[] p = new long[keep.length];
        float[] k = new float[keep.length];
        for (int i = 0; i < keep.length; i++) {
          p[i] = pos[keep[i]];
          k[i] = g[keep[i]];
        }
        pos = p;
        g = k;
        n = keep.length;
      }
      v.visit(Arrays.copyOf(pos, n), Arrays.copyOf(g, n), n);
    }
  }
}
