package org.sparsetrain.jobs.output;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import org.sparsetrain.training.EpochReport;
import org.sparsetrain.training.CompletedStep;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.checkpoint.CheckpointMeta;
import org.sparsetrain.training.checkpoint.CheckpointStore;
import org.sparsetrain.training.spark.sharded.ShardedStep;

/**
 * When a run checkpoints: every {@code everySteps} steps and at every epoch's end (each at the
 * first consistent point at or after it, so local-SGD rounds, which may run past an epoch's end,
 * are respected), and at the last step. Each checkpoint carries the resolved config and, at epoch
 * ends, the eval accuracy that keep-best retention ranks by. A sharded run's checkpoints follow the
 * same policy, written by the shards' owners ({@link ShardedStep#commit}). Old checkpoints are
 * deleted by the store only after a newer one is committed.
 */
public final class CheckpointPolicy implements TrainingListener {
  /** The metric keep-best retention uses. */
  public static final String METRIC = "eval_accuracy";

  private final CheckpointStore store;
  private final String config;
  private final long everySteps;
  private final boolean everyEpoch;
  private final long stepsPerEpoch;
  private final PrintStream console;
  private long lastCheckpoint;
  private EpochReport lastEpoch;

  public CheckpointPolicy(CheckpointStore store, String config, long everySteps, boolean everyEpoch, long stepsPerEpoch,
                          long startStep, PrintStream console) {
    this.store = store;
    this.config = config;
    this.everySteps = everySteps;
    this.everyEpoch = everyEpoch;
    this.stepsPerEpoch = stepsPerEpoch;
    this.lastCheckpoint = startStep;
    this.console = console;
  }

  @Override
  public void onEpoch(EpochReport report) {
    lastEpoch = report;
  }

  /**
   * Commits the step when due: the driver's whole state, or, in a sharded run, the shard files
   * written by their owners and the manifest by the driver.
   */
  @Override
  public void afterStep(CompletedStep step) {
    maybeCommit(step.step(), step.totalSteps(), step instanceof ShardedStep sharded
        ? meta -> sharded.commit(store, meta)
        : meta -> store.commit(step.state(), meta));
  }

  /** Writes the checkpoint of a step with the meta this policy gives it. */
  @FunctionalInterface
  private interface Commit {
    CheckpointStore.CommitResult with(CheckpointMeta meta) throws IOException;
  }

  private void maybeCommit(long t, long totalSteps, Commit commit) {
    boolean due = t == totalSteps
        || (everyEpoch && t / stepsPerEpoch > lastCheckpoint / stepsPerEpoch)
        || (everySteps > 0 && t / everySteps > lastCheckpoint / everySteps);
    if (!due || t == lastCheckpoint) {
      return;
    }
    CheckpointMeta meta = CheckpointMeta.of((t - 1) / stepsPerEpoch, config);
    if (lastEpoch != null && lastEpoch.step() == t) {
      meta = meta.withExtra(METRIC, lastEpoch.evalAccuracy());
    }
    try {
      CheckpointStore.CommitResult r = commit.with(meta);
      for (String p : r.problems()) {
        console.println("checkpoint: " + p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write checkpoint of step " + t + " to " + store.dir(), e);
    }
    lastCheckpoint = t;
  }
}
