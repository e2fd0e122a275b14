package org.sparsetrain.jobs.engine;

import org.sparsetrain.training.LocalTrainer;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.TrainResult;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.data.DataBlock;

/** Trains in this JVM with the {@link LocalTrainer}, no Spark. */
public final class LocalEngine implements Engine {
  private final DataBlock train;
  private final DataBlock test;

  public LocalEngine(DataBlock train, DataBlock test) {
    this.train = train;
    this.test = test;
  }

  @Override public long trainRows() { return train.rows(); }
  @Override public String describe() { return "local (one JVM, no Spark)"; }

  @Override
  public TrainResult train(ModelSpec spec, TrainingPlan plan, TrainingState state, TrainingListener listener) {
    return new LocalTrainer(spec, plan).continueTraining(state, train, test, listener);
  }

  @Override
  public void close() {}
}
