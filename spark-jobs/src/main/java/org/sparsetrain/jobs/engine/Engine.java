package org.sparsetrain.jobs.engine;

import java.io.IOException;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.TrainResult;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.checkpoint.Checkpoint;
import org.sparsetrain.training.checkpoint.CheckpointStore;
import org.sparsetrain.training.checkpoint.RestoredCheckpoint;

/** Where a run trains — one JVM or a Spark cluster — with its data already loaded and checked. */
public interface Engine extends AutoCloseable {
  /** Rows of the training set (fixes the steps per epoch). */
  long trainRows();

  /** One line for the console, e.g. {@code spark local[2], 4 partitions}. */
  String describe();

  /** Trains from {@code state} (fresh or restored) to the end of the plan. */
  TrainResult train(ModelSpec spec, TrainingPlan plan, TrainingState state, TrainingListener listener);

  /**
   * The newest checkpoint of {@code store} that verifies and fits the run, loaded where this engine
   * trains from it, to continue a run of {@code totalSteps} steps; the newer ones skipped and why.
   * By default the whole model is read on the driver.
   */
  default CheckpointStore.Restored<Start> restore(ModelSpec spec, TrainingPlan plan, long totalSteps, CheckpointStore store)
      throws IOException {
    return store.restoreWith(spec, plan.method(), plan.optimizer(), (dir, m) -> {
      RestoredCheckpoint c = Checkpoint.read(store.fileSystem(), dir, plan.optimizer());
      return new Start.OnDriver(new TrainingState(c.network(), c.optimizer(), plan.method(), plan.learningRate(totalSteps),
          plan.seed(), totalSteps, c.step(), m.maskVersion()));
    });
  }

  /**
   * Where a fresh run starts: by default the whole initial model and optimizer state on the driver
   * ({@link TrainingState#fresh}).
   */
  default Start fresh(ModelSpec spec, TrainingPlan plan) {
    return new Start.OnDriver(TrainingState.fresh(spec, plan, trainRows()));
  }

  /** Trains from {@code start} to the end of the plan. */
  default TrainResult train(ModelSpec spec, TrainingPlan plan, Start start, TrainingListener listener) {
    if (start instanceof Start.OnDriver d) {
      return train(spec, plan, d.state(), listener);
    }
    throw new IllegalArgumentException(describe() + " cannot train from a sharded checkpoint's start"
        + " (only distribution.mode=sharded loads one)");
  }

  /** Frees cached data; stops Spark only if this engine started it. */
  @Override
  void close();
}
