package org.sparsetrain.pruning;

import java.util.SplittableRandom;
import org.sparsetrain.training.data.DataBlock;

/** A small learnable problem made in the test: labels from a random linear teacher on Gaussian inputs. */
public final class Synthetic {
  private Synthetic() {}

  public static final int FEATURES = 20;
  public static final int CLASSES = 3;

  public static DataBlock block(long firstRow, int rows, long seed) {
    SplittableRandom teacher = new SplittableRandom(12345);
    float[][] w = new float[CLASSES][FEATURES];
    for (float[] row : w) {
      for (int f = 0; f < FEATURES; f++) {
        row[f] = (float) teacher.nextGaussian();
      }
    }
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[rows * FEATURES];
    int[] y = new int[rows];
    for (int i = 0; i < rows; i++) {
      double best = Double.NEGATIVE_INFINITY;
      for (int f = 0; f < FEATURES; f++) {
        x[i * FEATURES + f] = (float) r.nextGaussian();
      }
      for (int c = 0; c < CLASSES; c++) {
        double z = 0;
        for (int f = 0; f < FEATURES; f++) {
          z += w[c][f] * x[i * FEATURES + f];
        }
        if (z > best) {
          best = z;
          y[i] = c;
        }
      }
    }
    return DataBlock.dense(firstRow, FEATURES, x, y);
  }
}
