package org.sparsetrain.training.nn;

import java.util.Locale;

/** Element-wise activation of a hidden layer; backward uses the activation's output. */
public enum Activation {
  RELU {
    @Override void forward(float[] a, int n) {
      Relu.forward(a, n);
    }
    @Override void backward(float[] y, float[] delta, int n) {
      Relu.backward(y, delta, n);
    }
  },
  TANH {
    @Override void forward(float[] a, int n) {
      for (int i = 0; i < n; i++) {
        a[i] = (float) Math.tanh(a[i]);
      }
    }
    @Override void backward(float[] y, float[] delta, int n) {
      for (int i = 0; i < n; i++) {
        delta[i] *= 1f - y[i] * y[i];
      }
    }
  },
  SIGMOID {
    @Override void forward(float[] a, int n) {
      for (int i = 0; i < n; i++) {
        a[i] = (float) (1.0 / (1.0 + Math.exp(-a[i])));
      }
    }
    @Override void backward(float[] y, float[] delta, int n) {
      for (int i = 0; i < n; i++) {
        delta[i] *= y[i] * (1f - y[i]);
      }
    }
  },
  IDENTITY {
    @Override void forward(float[] a, int n) {}
    @Override void backward(float[] y, float[] delta, int n) {}
  };

  /** In place: a[i] = f(a[i]) for i &lt; n. */
  abstract void forward(float[] a, int n);

  /** In place: delta[i] *= f'(x_i), written in terms of the output y[i] = f(x_i). */
  abstract void backward(float[] y, float[] delta, int n);

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
