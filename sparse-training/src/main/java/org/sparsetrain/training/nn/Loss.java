package org.sparsetrain.training.nn;

import java.util.Locale;

/**
 * Loss on the last layer's outputs, laid out class-major ({@code out[c * batch + b]}). Both losses
 * treat the label as a class index (MSE against its one-hot vector).
 */
public enum Loss {
  /** Softmax followed by cross-entropy, per example {@code -log softmax(z)_y}. */
  SOFTMAX_CROSS_ENTROPY {
    @Override
    double lossAndDelta(float[] z, int classes, int batch, int rows, int[] labels, int labelOffset, float scale,
                        float[] delta) {
      double total = 0;
      double[] p = new double[classes];
      for (int b = 0; b < rows; b++) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
          max = Math.max(max, z[c * batch + b]);
        }
        double sum = 0;
        for (int c = 0; c < classes; c++) {
          p[c] = Math.exp(z[c * batch + b] - max);
          sum += p[c];
        }
        int y = labels[labelOffset + b];
        total += -(z[y * batch + b] - max - Math.log(sum));
        for (int c = 0; c < classes; c++) {
          double g = p[c] / sum - (c == y ? 1.0 : 0.0);
          delta[c * batch + b] = (float) (g * scale);
        }
      }
      return total;
    }
  },
  /** Half squared error against the one-hot label, summed over outputs: {@code ½·Σ_c (z_c − 1[c=y])²}. */
  MSE {
    @Override
    double lossAndDelta(float[] z, int classes, int batch, int rows, int[] labels, int labelOffset, float scale,
                        float[] delta) {
      double total = 0;
      for (int b = 0; b < rows; b++) {
        int y = labels[labelOffset + b];
        for (int c = 0; c < classes; c++) {
          double d = z[c * batch + b] - (c == y ? 1.0 : 0.0);
          total += 0.5 * d * d;
          delta[c * batch + b] = (float) (d * scale);
        }
      }
      return total;
    }
  };

  /**
   * Writes {@code scale · ∂loss_b/∂z} into {@code delta} for the first {@code rows} of the
   * {@code batch} columns (the rest are left as they are) and returns the loss summed (unscaled)
   * over those rows.
   */
  abstract double lossAndDelta(float[] z, int classes, int batch, int rows, int[] labels, int labelOffset, float scale,
                               float[] delta);

  /** Parses {@code cross_entropy} (alias {@code softmax_cross_entropy}) or {@code mse}. */
  public static Loss parse(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    switch (n) {
      case "cross_entropy":
      case "softmax_cross_entropy":
        return SOFTMAX_CROSS_ENTROPY;
      case "mse":
        return MSE;
      default:
        throw new IllegalArgumentException("unknown loss '" + name + "' (known: cross_entropy, mse)");
    }
  }
}
