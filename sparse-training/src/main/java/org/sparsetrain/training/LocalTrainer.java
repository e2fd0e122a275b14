package org.sparsetrain.training;

import java.util.Arrays;
import org.sparsetrain.training.data.BatchSampler;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.nn.BatchStats;
import org.sparsetrain.training.nn.InactiveBlock;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.ParameterLayout;
import org.sparsetrain.training.nn.SparseLinear;
import org.sparsetrain.training.sparsity.GrowthInput;
import org.sparsetrain.training.sparsity.MaskUpdateContext;

/**
 * Trains in one JVM, without Spark: the reference the distributed trainer is checked against.
 * Each step takes the global batch of {@link BatchSampler}, computes the mean gradient in one
 * forward/backward pass, checks it ({@link Divergence}, as the Spark trainers do) and hands it to
 * {@link TrainingState#finishStep}; each epoch ends with an evaluation on the held-out block.
 */
public final class LocalTrainer {
  /** Rows of a dense-gradient block: at most this many floats are materialised at once. */
  static final int DENSE_BLOCK_FLOATS = 1 << 16;

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
    Network net = state.network();
    int b = plan.batchSize();
    Network.Workspace ws = net.workspace(b);
    float[] x = new float[train.features() * b];
    int[] y = new int[b];
    int[] rows = new int[b];
    long spe = sampler.stepsPerEpoch();
    long start = System.nanoTime();
    long firstStep = state.step();
    BatchStats epochStats = BatchStats.ZERO;
    while (state.step() < state.totalSteps()) {
      long t = state.step() + 1;
      long t0 = System.nanoTime();
      int n = sampler.localRows(t, train.firstRow(), train.rows(), rows);
      train.gather(rows, 0, n, x, y, 0);
      ParameterLayout layout = net.layout();
      float[] grad = new float[layout.size()];
      BatchStats s = net.accumulateGradient(x, n, y, 0, 1f / n, grad, layout, ws);
      epochStats = epochStats.plus(s);
      Divergence.check(t, grad);   // before the optimizer: a diverged step reaches no weight, checkpoint or summary
      boolean dense = state.method().updatesAt(t) && state.method().growthInput(t) == GrowthInput.DENSE_GRADIENT;
      double[] churn = state.finishStep(grad, layout, dense ? (l, v) -> inactiveGradient(net, ws, l, v) : null);
      double ms = (System.nanoTime() - t0) / 1e6;
      listener.onStep(new StepReport(t, sampler.epochOf(t), s.meanLoss(), s.accuracy(), state.learningRate(t), ms, ms, ms, 0, 0));
      if (churn != null) {
        listener.onMaskUpdate(new MaskUpdateReport(t, churn, net.densities(), ms));
      }
      if (t % spe == 0 || t == state.totalSteps()) {
        BatchStats eval = Evaluation.of(net, test);
        double wall = (System.nanoTime() - start) / 1e9;
        listener.onEpoch(new EpochReport((int) ((t - 1) / spe), t, epochStats.meanLoss(), epochStats.accuracy(),
            eval.meanLoss(), eval.accuracy(), net.densities(), state.method().targetDensities(t, spec.sizes()),
            wall, (t - firstStep) * (double) b / wall));
        epochStats = BatchStats.ZERO;
      }
      listener.afterStep(state);
    }
    double wall = (System.nanoTime() - start) / 1e9;
    BatchStats eval = Evaluation.of(net, test);
    return new TrainResult(net, eval, state.step(), plan.epochs(), wall, (state.step() - firstStep) * (double) b / wall);
  }

  /** The dense gradient of layer l at inactive positions, from the workspace of the last backward pass. */
  static void inactiveGradient(Network net, Network.Workspace ws, int l, MaskUpdateContext.InactiveGradientVisitor v) {
    Layer layer = net.layer(l);
    int in = layer.inFeatures();
    int out = layer.outFeatures();
    int blockRows = Math.max(1, DENSE_BLOCK_FLOATS / in);
    float[] g = new float[blockRows * in];
    for (int r0 = 0; r0 < out; r0 += blockRows) {
      InactiveBlock block = InactiveBlock.of(layer.rowPtr(), layer.colIdx(), in, r0, Math.min(out, r0 + blockRows));
      block.gradient(ws.input(l), ws.delta(l), ws.batch(), g);
      v.visit(block.positions(), Arrays.copyOf(g, block.count()), block.count());
    }
  }
}
