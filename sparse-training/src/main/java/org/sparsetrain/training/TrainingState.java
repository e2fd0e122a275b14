package org.sparsetrain.training;

import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.ParameterLayout;
import org.sparsetrain.training.optim.LearningRate;
import org.sparsetrain.training.optim.OptimizerState;
import org.sparsetrain.training.sparsity.MaskApplier;
import org.sparsetrain.training.sparsity.MaskDecision;
import org.sparsetrain.training.sparsity.MaskUpdateContext;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * What the driver owns during training, and where a step whose model lives on the driver is
 * finished: given the summed gradient of step t's global batch, the method's gradient adjustment,
 * the optimizer and, when the schedule says so, the mask update, in the {@link StepRule}'s order
 * (which the shard owners of the sharded engine follow too).
 */
public final class TrainingState implements CompletedStep {
  private final Network network;
  private final OptimizerState optimizer;
  private final SparsityMethod method;
  private final StepRule rule;
  private final LearningRate learningRate;
  private final long seed;
  private final long totalSteps;
  private long step;
  private long maskVersion;

  public TrainingState(Network network, OptimizerState optimizer, SparsityMethod method, LearningRate lr,
                       long seed, long totalSteps, long step, long maskVersion) {
    this.network = network;
    this.optimizer = optimizer;
    this.method = method;
    this.rule = new StepRule(method);
    this.learningRate = lr;
    this.seed = seed;
    this.totalSteps = totalSteps;
    this.step = step;
    this.maskVersion = maskVersion;
  }

  /** A fresh run: the method's initial masks, He values, zero optimizer state, step 0. */
  public static TrainingState fresh(ModelSpec spec, TrainingPlan plan, long trainRows) {
    Network net = spec.build(plan.method(), plan.seed());
    long total = new org.sparsetrain.training.data.BatchSampler(trainRows, plan.batchSize(), plan.seed()).stepsPerEpoch()
        * plan.epochs();
    return new TrainingState(net, OptimizerState.create(plan.optimizer(), net), plan.method(), plan.learningRate(total),
        plan.seed(), total, 0, 0);
  }

  public Network network() { return network; }
  public OptimizerState optimizer() { return optimizer; }
  public SparsityMethod method() { return method; }
  public long seed() { return seed; }
  @Override public long totalSteps() { return totalSteps; }
  /** Steps completed. */
  @Override public long step() { return step; }
  /** This state: the driver holds the whole model. */
  @Override public TrainingState state() { return this; }
  /** Incremented by every mask change; the distributed trainer re-broadcasts structure when it moves. */
  public long maskVersion() { return maskVersion; }

  public float learningRate(long t) {
    return learningRate.at(t);
  }

  /** Supplies the dense gradient of inactive positions of step t's batch, when a method asks. */
  @FunctionalInterface
  public interface InactiveGradientSource {
    void visit(int layer, MaskUpdateContext.InactiveGradientVisitor visitor);
  }

  /**
   * Finishes step {@code step()+1} with its summed gradient. Returns the per-layer churn if the
   * mask changed, else null.
   */
  public double[] finishStep(float[] grad, ParameterLayout layout, InactiveGradientSource inactive) {
    long t = step + 1;
    MaskUpdateContext ctx = context(grad, layout, inactive);
    method.adjustGradient(t, ctx);
    if (rule.appliesOptimizer(t)) {
      optimizer.apply(network, grad, layout, learningRate.at(t));
    }
    double[] churn = null;
    if (rule.updatesMask(t)) {
      MaskDecision d = method.decide(t, ctx);
      churn = MaskApplier.apply(network, optimizer, d);
      maskVersion++;
    }
    step = t;
    return churn;
  }

  private MaskUpdateContext context(float[] grad, ParameterLayout layout, InactiveGradientSource inactive) {
    return new MaskUpdateContext() {
      @Override public Network network() { return network; }
      @Override public OptimizerState optimizer() { return optimizer; }
      @Override public float[] gradient() { return grad; }
      @Override public ParameterLayout layout() { return layout; }
      @Override public long seed() { return seed; }
      @Override public long totalSteps() { return totalSteps; }
      @Override public float learningRate() { return learningRate.at(step + 1); }
      @Override public void inactiveGradient(int layer, InactiveGradientVisitor visitor) {
        if (inactive == null) {
          throw new IllegalStateException("this trainer gives no dense gradient at this step");
        }
        inactive.visit(layer, visitor);
      }
    };
  }
}
