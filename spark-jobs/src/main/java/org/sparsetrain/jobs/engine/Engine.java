package org.sparsetrain.jobs.engine;

import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.TrainResult;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.TrainingState;

/** Where a run trains — one JVM or a Spark cluster — with its data already loaded and checked. */
public interface Engine extends AutoCloseable {
  /** Rows of the training set (fixes the steps per epoch). */
  long trainRows();

  /** One line for the console, e.g. {@code spark local[2], 4 partitions}. */
  String describe();

  /** Trains from {@code state} (fresh or restored) to the end of the plan. */
  TrainResult train(ModelSpec spec, TrainingPlan plan, TrainingState state, TrainingListener listener);

  /** Frees cached data; stops Spark only if this engine started it. */
  @Override
  void close();
}
