package org.sparsetrain.training.nn;

import java.util.Locale;

/** Element-wise activation of a hidden layer; backward uses the activation's output. */
public enum Activation {
  RELU {
    @Override void forward(float[] a, int o, int n) {
      Relu.forward(a, o, n);
    }
    @Override void backward(float[] y, int yo, float[] delta, int dOff, int n) {
      Relu.backward(y, yo, delta, dOff, n);
    }
  },
  TANH {
    @Override void forward(float[] a, int o, int n) {
      for (int i = o; i < o + n; i++) {
        a[i] = (float) Math.tanh(a[i]);
      }
    }
    @Override void backward(float[] y, int yo, float[] delta, int dOff, int n) {
      for (int i = 0; i < n; i++) {
        float v = y[yo + i];
        delta[dOff + i] *= 1f - v * v;
      }
    }
  },
  SIGMOID {
    @Override void forward(float[] a, int o, int n) {
      for (int i = o; i < o + n; i++) {
        a[i] = (float) (1.0 / (1.0 + Math.exp(-a[i])));
      }
    }
    @Override void backward(float[] y, int yo, float[] delta, int dOff, int n) {
      for (int i = 0; i < n; i++) {
        float v = y[yo + i];
        delta[dOff + i] *= v * (1f - v);
      }
    }
  },
  IDENTITY {
    @Override void forward(float[] a, int o, int n) {}
    @Override void backward(float[] y, int yo, float[] delta, int dOff, int n) {}
  };

  /** In place: a[o + i] = f(a[o + i]) for i &lt; n. */
  abstract void forward(float[] a, int o, int n);

  /** In place: delta[dOff + i] *= f'(x_i) for i &lt; n, written in terms of the output y[yo + i] = f(x_i). */
  abstract void backward(float[] y, int yo, float[] delta, int dOff, int n);

  /** Parses {@code relu}, {@code tanh}, {@code sigmoid}, {@code identity}. */
  public static Activation parse(String name) {
    for (Activation a : values()) {
      if (a.name().equalsIgnoreCase(name.trim())) {
        return a;
      }
    }
    throw new IllegalArgumentException("unknown activation '" + name + "' (known: relu, tanh, sigmoid, identity)");
  }

  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }
}
