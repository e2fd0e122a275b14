package org.sparsetrain.training.nn;

import java.io.Serializable;

/** Summed loss, correct predictions and example count of one or more batches. */
public record BatchStats(double lossSum, long correct, long count) implements Serializable {
  public static final BatchStats ZERO = new BatchStats(0, 0, 0);

  public BatchStats plus(BatchStats o) {
    return new BatchStats(lossSum + o.lossSum, correct + o.correct, count + o.count);
  }

  public double meanLoss() {
    return count == 0 ? Double.NaN : lossSum / count;
  }

  public double accuracy() {
    return count == 0 ? Double.NaN : correct / (double) count;
  }
}
