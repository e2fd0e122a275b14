package org.sparsetrain.training;

import org.sparsetrain.training.data.BatchSampler;
import org.sparsetrain.training.data.DataBlock;

/**
 * Trains in one JVM, without Spark: the reference the distributed trainers are checked against.
 * The {@link TrainingLoop} over a {@link LocalStepEngine}: each step is the global batch of
 * {@link BatchSampler} in one forward/backward pass; each epoch ends with an evaluation on the
 * held-out block.
 */
public final class LocalTrainer {
  private final ModelSpec spec;
  private final TrainingPlan plan;

  public LocalTrainer(ModelSpec spec, TrainingPlan plan) {
    this.spec = spec;
    this.plan = plan;
  }

  /** Trains a freshly initialised network. */
  public TrainResult train(DataBlock train, DataBlock test, TrainingListener listener) {
    checkData(train, "training");
    return continueTraining(TrainingState.fresh(spec, plan, train.rows()), train, test, listener);
  }

  public BatchSampler sampler(DataBlock train) {
    checkData(train, "training");
    return new BatchSampler(train.rows(), plan.batchSize(), plan.seed());
  }

  private void checkData(DataBlock block, String what) {
    if (block.features() != spec.inputs()) {
      throw new IllegalArgumentException(what + " data has " + block.features() + " features but model.layers[0] is " + spec.inputs());
    }
    for (int r = 0; r < block.rows(); r++) {
      int y = block.label(r);
      if (y < 0 || y >= spec.classes()) {
        throw new IllegalArgumentException(what + " data row " + r + ": label " + y + " outside [0, " + spec.classes() + ")");
      }
    }
  }

  /** Trains from {@code state} (fresh or restored) to the end of the plan. */
  public TrainResult continueTraining(TrainingState state, DataBlock train, DataBlock test, TrainingListener listener) {
    checkData(test, "test");
    BatchSampler sampler = sampler(train);
    return new TrainingLoop(spec, plan, new LocalStepEngine(state, train, test, sampler, plan.batchSize())).run(listener);
  }
}
