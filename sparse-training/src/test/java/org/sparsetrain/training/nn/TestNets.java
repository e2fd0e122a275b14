package org.sparsetrain.training.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Small random networks and an independent double-precision reference of the forward pass. */
final class TestNets {
  private TestNets() {}

  enum Kind { SPARSE, DENSE, MIXED }

  /** A network of the given sizes; sparse layers hold about 60 % of their positions. */
  static Network network(Kind kind, int[] sizes, Activation act, Loss loss, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<Layer> layers = new ArrayList<>();
    for (int l = 0; l + 1 < sizes.length; l++) {
      int in = sizes[l];
      int out = sizes[l + 1];
      boolean sparse = kind == Kind.SPARSE || (kind == Kind.MIXED && l % 2 == 0);
      Layer layer = sparse ? Init.sparse(in, out, (int) Math.round(0.6 * in * out), seed, l) : Init.dense(in, out, seed, l);
      float[] b = layer.bias();
      for (int i = 0; i < b.length; i++) {
        b[i] = (float) (0.3 * r.nextGaussian());
      }
      layers.add(layer);
    }
    return new Network(layers, act, loss);
  }

  static float[] gaussian(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return x;
  }

  static int[] labels(int n, int classes, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(classes);
    }
    return y;
  }

  /** Parameters of a network in double, aligned with each layer's values and bias. */
  static final class Params {
    final int[][] rowPtr;
    final int[][] colIdx;
    final int[] in;
    final int[] out;
    final double[][] w;
    final double[][] b;

    Params(Network net) {
      int n = net.layerCount();
      rowPtr = new int[n][];
      colIdx = new int[n][];
      in = new int[n];
      out = new int[n];
      w = new double[n][];
      b = new double[n][];
      for (int l = 0; l < n; l++) {
        Layer layer = net.layer(l);
        rowPtr[l] = layer.rowPtr();
        colIdx[l] = layer.colIdx();
        in[l] = layer.inFeatures();
        out[l] = layer.outFeatures();
        w[l] = toDouble(layer.values());
        b[l] = toDouble(layer.bias());
      }
    }
  }

  static double[] toDouble(float[] a) {
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = a[i];
    }
    return d;
  }

  static double act(Activation a, double z) {
    switch (a) {
      case RELU: return Math.max(0, z);
      case TANH: return Math.tanh(z);
      case SIGMOID: return 1 / (1 + Math.exp(-z));
      default: return z;
    }
  }

  /**
   * Mean loss over the batch in double precision, written from the documented semantics only
   * (y = Wx + b, hidden activation, softmax cross-entropy or ½·squared error to the one-hot label).
   * {@code minAbsHidden[0]} receives the smallest |pre-activation| of a hidden unit (the distance to
   * ReLU's kink).
   */
  static double meanLoss(Params p, Activation act, Loss loss, double[] x, int batch, int[] labels, double[] minAbsHidden) {
    int layers = p.w.length;
    double total = 0;
    double minAbs = Double.POSITIVE_INFINITY;
    for (int s = 0; s < batch; s++) {
      double[] h = new double[p.in[0]];
      for (int f = 0; f < h.length; f++) {
        h[f] = x[f * batch + s];
      }
      for (int l = 0; l < layers; l++) {
        double[] z = new double[p.out[l]];
        for (int r = 0; r < z.length; r++) {
          double acc = p.b[l][r];
          for (int k = p.rowPtr[l][r]; k < p.rowPtr[l][r + 1]; k++) {
            acc += p.w[l][k] * h[p.colIdx[l][k]];
          }
          z[r] = acc;
        }
        if (l < layers - 1) {
          for (int r = 0; r < z.length; r++) {
            minAbs = Math.min(minAbs, Math.abs(z[r]));
            z[r] = act(act, z[r]);
          }
        }
        h = z;
      }
      int y = labels[s];
      if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : h) {
          max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : h) {
          sum += Math.exp(v - max);
        }
        total += max + Math.log(sum) - h[y];
      } else {
        for (int c = 0; c < h.length; c++) {
          double d = h[c] - (c == y ? 1 : 0);
          total += 0.5 * d * d;
        }
      }
    }
    if (minAbsHidden != null) {
      minAbsHidden[0] = minAbs;
    }
    return total / batch;
  }
}
