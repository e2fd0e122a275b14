package org.sparsetrain.pruning.imp;

import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.TrainResult;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.optim.LearningRate;
import org.sparsetrain.training.optim.OptimizerState;
import org.sparsetrain.training.sparsity.MaskApplier;

/**
 * Drives an {@link ImpPlan} through any trainer: the {@code LocalTrainer}
 * ({@code s -> local.continueTraining(s, train, test, listener)}) or the distributed one.
 *
 * <p>State between phases is the current network and the rewind snapshot; both are ordinary
 * networks, so a job checkpoints them in the model format and restarts an interrupted phase from
 * its beginning (batches are keyed by seed and step, so the rerun draws the same batches).
 */
public final class ImpRunner {
  private ImpRunner() {}

  /** Trains a state until its {@code totalSteps()}. */
  @FunctionalInterface
  public interface PhaseTrainer {
    TrainResult train(TrainingState state);
  }

  /** Called after each phase's training, before the pruning of the next. */
  @FunctionalInterface
  public interface PhaseListener {
    void onPhase(int phase, Network trained, TrainResult result);
  }

  /**
   * Runs all phases; returns the network after the last one.
   *
   * @param plan training settings (optimizer, learning rate, seed); its method should be an {@link ImpMethod}
   */
  public static Network run(ImpMethod method, ModelSpec spec, TrainingPlan plan, PhaseTrainer trainer,
                            PhaseListener listener) {
    ImpPlan imp = method.plan();
    long steps = imp.phaseSteps();
    long k = imp.rewindStep();
    LearningRate lr = plan.learningRate(steps);
    ImpMethod m = new ImpMethod(imp, 0);
    Network net = spec.build(m, plan.seed());
    Network snapshot = k == 0 ? net.copy() : null;
    for (int p = 0; p <= imp.phases(); p++) {
      OptimizerState opt = OptimizerState.create(plan.optimizer(), net);
      TrainResult result;
      if (p == 0 && k > 0) {
        trainer.train(new TrainingState(net, opt, m, lr, plan.seed(), k, 0, 0));
        snapshot = net.copy();
        result = trainer.train(new TrainingState(net, opt, m, lr, plan.seed(), steps, k, 0));
      } else {
        result = trainer.train(new TrainingState(net, opt, m, lr, plan.seed(), steps, p == 0 ? 0 : k, 0));
      }
      listener.onPhase(p, net, result);
      if (p < imp.phases()) {
        MaskApplier.apply(net, null, imp.prune(net, p + 1));
        net = ImpPlan.rewind(net, snapshot);
        m = m.next();
      }
    }
    return net;
  }
}
