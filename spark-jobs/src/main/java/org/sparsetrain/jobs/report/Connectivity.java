package org.sparsetrain.jobs.report;

import org.sparsetrain.training.nn.Layer;

/**
 * Degrees of a layer's neurons from its CSR structure (W is out × in, one row per output neuron):
 * the in-degree of output neuron r is the length of row r, the out-degree of input neuron c is the
 * number of rows that hold column c.
 */
public record Connectivity(int inFeatures, int outFeatures, long nnz, int[] inDegree, int[] outDegree) {

  public static Connectivity of(Layer layer) {
    int in = layer.inFeatures();
    int out = layer.outFeatures();
    int[] inDeg = new int[out];
    int[] outDeg = new int[in];
    if (!layer.isSparse()) {
      java.util.Arrays.fill(inDeg, in);
      java.util.Arrays.fill(outDeg, out);
      return new Connectivity(in, out, (long) in * out, inDeg, outDeg);
    }
    int[] rowPtr = layer.rowPtr();
    int[] colIdx = layer.colIdx();
    for (int r = 0; r < out; r++) {
      inDeg[r] = rowPtr[r + 1] - rowPtr[r];
      for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
        outDeg[colIdx[k]]++;
      }
    }
    return new Connectivity(in, out, rowPtr[out], inDeg, outDeg);
  }

  /** Input neurons with no outgoing connection (pixels the layer ignores). */
  public int deadInputs() {
    return zeros(outDegree);
  }

  /** Output neurons with no incoming connection (they see only their bias). */
  public int deadOutputs() {
    return zeros(inDegree);
  }

  /** The side of the square when {@code n} is a perfect square of at least 2×2, else 0. */
  public static int squareSide(int n) {
    int s = (int) Math.round(Math.sqrt(n));
    return s >= 2 && s * s == n ? s : 0;
  }

  static int max(int[] v) {
    int m = 0;
    for (int x : v) {
      m = Math.max(m, x);
    }
    return m;
  }

  static int min(int[] v) {
    int m = Integer.MAX_VALUE;
    for (int x : v) {
      m = Math.min(m, x);
    }
    return v.length == 0 ? 0 : m;
  }

  static double mean(int[] v) {
    long s = 0;
    for (int x : v) {
      s += x;
    }
    return v.length == 0 ? 0 : s / (double) v.length;
  }

  private static int zeros(int[] v) {
    int n = 0;
    for (int x : v) {
      if (x == 0) {
        n++;
      }
    }
    return n;
  }
}
