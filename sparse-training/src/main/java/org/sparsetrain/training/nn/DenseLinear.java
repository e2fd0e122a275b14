package org.sparsetrain.training.nn;

/** A dense linear layer, weights row-major {@code w[r * in + c]}; the reference for sparse layers. */
public final class DenseLinear implements Layer {
  private final int in;
  private final int out;
  private final float[] w;
  private final float[] bias;
  private volatile Kernels.Plan plan;

  public DenseLinear(int in, int out, float[] w, float[] bias) {
    if (in <= 0 || out <= 0) {
      throw new IllegalArgumentException("layer size must be positive, got " + in + "x" + out);
    }
    if (w.length != in * out || bias.length != out) {
      throw new IllegalArgumentException("dense layer " + in + "x" + out + " given " + w.length + " weights, " + bias.length + " biases");
    }
    this.in = in;
    this.out = out;
    this.w = w;
    this.bias = bias;
  }

  @Override public int inFeatures() { return in; }
  @Override public int outFeatures() { return out; }
  @Override public int nnz() { return in * out; }
  @Override public float[] values() { return w; }
  @Override public float[] bias() { return bias; }
  @Override public boolean isSparse() { return false; }

  @Override
  public int[] rowPtr() {
    int[] rp = new int[out + 1];
    for (int r = 0; r <= out; r++) {
      rp[r] = r * in;
    }
    return rp;
  }

  @Override
  public int[] colIdx() {
    int[] ci = new int[in * out];
    for (int k = 0; k < ci.length; k++) {
      ci[k] = k % in;
    }
    return ci;
  }

  @Override
  public void forward(float[] x, int xo, int batch, float[] y, int yo) {
    Kernels.forward(in, out, null, null, w, bias, x, xo, batch, y, yo, Kernels.blocked(batch) ? plan() : null);
  }

  /** The kernels' cache-blocking plan for this size (implicit indices: no arrays). */
  private Kernels.Plan plan() {
    Kernels.Plan p = plan;
    if (p == null) {
      p = Kernels.Plan.dense(in, out);
      plan = p;
    }
    return p;
  }

  @Override
  public void backward(float[] x, int xo, float[] delta, int dOff, int batch, float[] gW, int gwOff, float[] gB, int gbOff,
                       float[] dx, int dxo) {
    if (dx != null && Kernels.fusedBackward(batch)) {
      Kernels.backward(in, out, w, x, xo, delta, dOff, batch, gW, gwOff, gB, gbOff, dx, dxo, plan());
      return;
    }
    Kernels.weightGradient(in, out, null, null, x, xo, delta, dOff, batch, gW, gwOff, gB, gbOff);
    if (dx != null) {
      Kernels.inputGradient(in, out, null, null, null, w, delta, dOff, batch, dx, dxo);
    }
  }

  @Override
  public DenseLinear copy() {
    return new DenseLinear(in, out, w.clone(), bias.clone());
  }
}
