package org.sparsetrain.training;

import java.io.Serializable;
import java.util.Objects;
import org.sparsetrain.training.optim.LearningRate;
import org.sparsetrain.training.optim.Optimizer;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * How to train: epochs, global batch size, seed, optimizer and learning-rate schedule, and the
 * sparsity method. Validated on construction.
 *
 * @param lrSchedule {@code constant}, {@code cosine} or {@code step}
 * @param warmupSteps linear warm-up of the learning rate
 */
public record TrainingPlan(int epochs, int batchSize, long seed, Optimizer optimizer, double lr, String lrSchedule,
                           long warmupSteps, SparsityMethod method) implements Serializable {
  public TrainingPlan {
    if (epochs <= 0) {
      throw new IllegalArgumentException("training.epochs must be > 0, got " + epochs);
    }
    if (batchSize <= 0) {
      throw new IllegalArgumentException("training.batch_size must be > 0, got " + batchSize);
    }
    Objects.requireNonNull(optimizer, "optimizer");
    Objects.requireNonNull(method, "sparsity method");
    new LearningRate(lr, lrSchedule, warmupSteps, 1, 0.1, null);
  }

  /** The learning-rate schedule for a run of {@code totalSteps} steps. */
  public LearningRate learningRate(long totalSteps) {
    return new LearningRate(lr, lrSchedule, warmupSteps, totalSteps, 0.1, new double[] {0.5, 0.75});
  }

  public TrainingPlan withMethod(SparsityMethod m) {
    return new TrainingPlan(epochs, batchSize, seed, optimizer, lr, lrSchedule, warmupSteps, m);
  }

  public TrainingPlan withEpochs(int e) {
    return new TrainingPlan(e, batchSize, seed, optimizer, lr, lrSchedule, warmupSteps, method);
  }

  public TrainingPlan withSeed(long s) {
    return new TrainingPlan(epochs, batchSize, s, optimizer, lr, lrSchedule, warmupSteps, method);
  }
}
