package org.sparsetrain.training;

import java.util.List;
import java.util.Objects;
import org.sparsetrain.training.nn.BatchStats;

/**
 * The training loop every engine runs under, and the only home of epochs, evaluation cadence,
 * step/epoch reports, listeners, checkpoint points and results: it asks its {@link StepEngine}
 * for the next steps until the plan is done. An epoch that ends inside a round (local SGD) is
 * evaluated after the round, at the first consistent point after it; {@link TrainingListener#afterStep}
 * sees every such point. When the engine recovers from a failure (shards restored after a lost
 * executor), the loop continues from the step it went back to and reports it. No Spark, no Hadoop.
 */
public final class TrainingLoop {
  private final ModelSpec spec;
  private final TrainingPlan plan;
  private final StepEngine engine;

  public TrainingLoop(ModelSpec spec, TrainingPlan plan, StepEngine engine) {
    this.spec = Objects.requireNonNull(spec, "model spec");
    this.plan = Objects.requireNonNull(plan, "training plan");
    this.engine = Objects.requireNonNull(engine, "step engine");
  }

  /** Trains from the engine's current step to the end of the plan, then evaluates once more. */
  public TrainResult run(TrainingListener listener) {
    TrainingListener out = listener == null ? TrainingListener.NONE : listener;
    long start = System.nanoTime();
    long firstStep = engine.step();
    BatchStats epochStats = BatchStats.ZERO;
    Exception lost = null;
    while (true) {
      try {
        if (lost != null) {
          StepEngine.Restored r = engine.restore(lost);
          epochStats = r.epochStats();
          out.onRecovery(r.lostAt(), r.step());
        }
        return toEnd(out, start, firstStep, epochStats);
      } catch (Exception e) {   // Spark's checked exceptions are thrown undeclared
        if (!engine.recoverable(e)) {
          throw e;
        }
        lost = e;
      }
    }
  }

  private TrainResult toEnd(TrainingListener listener, long start, long firstStep, BatchStats epochStats) {
    long spe = engine.stepsPerEpoch();
    long total = engine.totalSteps();
    while (engine.step() < total) {
      List<StepOutcome> round = engine.next();
      BatchStats finished = null;
      long finishedAt = 0;
      for (StepOutcome o : round) {
        listener.onStep(o.report());
        if (o.maskUpdate() != null) {
          listener.onMaskUpdate(o.maskUpdate());
        }
        epochStats = epochStats.plus(o.stats());
        if (o.step() % spe == 0 || o.step() == total) {
          finished = epochStats;
          finishedAt = o.step();
          epochStats = BatchStats.ZERO;
        }
      }
      long done = engine.step();
      if (finished != null) {
        BatchStats eval = engine.evaluate();
        double wall = (System.nanoTime() - start) / 1e9;
        listener.onEpoch(new EpochReport((int) ((finishedAt - 1) / spe), done, finished.meanLoss(), finished.accuracy(),
            eval.meanLoss(), eval.accuracy(), engine.densities(), engine.method().targetDensities(done, spec.sizes()),
            wall, samplesPerSecond(done - firstStep, wall)));
      }
      listener.afterStep(engine.completed(epochStats));
    }
    double wall = (System.nanoTime() - start) / 1e9;
    BatchStats eval = engine.evaluate();
    return new TrainResult(engine.model(), eval, engine.step(), plan.epochs(), wall,
        samplesPerSecond(engine.step() - firstStep, wall));
  }

  private double samplesPerSecond(long steps, double wall) {
    return steps * (double) plan.batchSize() / wall;
  }
}
