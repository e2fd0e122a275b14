package org.sparsetrain.training;

import java.util.Arrays;
import java.util.List;
import org.sparsetrain.training.data.BatchSampler;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.nn.BatchStats;
import org.sparsetrain.training.nn.InactiveBlock;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.ParameterLayout;
import org.sparsetrain.training.sparsity.MaskUpdateContext;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * One JVM, no Spark: each step takes the global batch of {@link BatchSampler}, computes the mean
 * gradient in one forward/backward pass, checks it ({@link Divergence}) and finishes the step
 * through {@link TrainingState#finishStep}. The reference the distributed engines are checked against.
 */
final class LocalStepEngine implements StepEngine {
  /** Rows of a dense-gradient block: at most this many floats are materialised at once. */
  static final int DENSE_BLOCK_FLOATS = 1 << 16;

  private final TrainingState state;
  private final DataBlock train;
  private final DataBlock test;
  private final BatchSampler sampler;
  private final StepRule rule;
  private final Network.Workspace ws;
  private final float[] x;
  private final int[] y;
  private final int[] rows;

  LocalStepEngine(TrainingState state, DataBlock train, DataBlock test, BatchSampler sampler, int batchSize) {
    this.state = state;
    this.train = train;
    this.test = test;
    this.sampler = sampler;
    this.rule = new StepRule(state.method());
    this.ws = state.network().workspace(batchSize);
    this.x = new float[train.features() * batchSize];
    this.y = new int[batchSize];
    this.rows = new int[batchSize];
  }

  @Override public long step() { return state.step(); }
  @Override public long totalSteps() { return state.totalSteps(); }
  @Override public long stepsPerEpoch() { return sampler.stepsPerEpoch(); }
  @Override public SparsityMethod method() { return state.method(); }
  @Override public double[] densities() { return state.network().densities(); }
  @Override public CompletedStep completed(BatchStats epochStats) { return state; }
  @Override public Network model() { return state.network(); }
  @Override public BatchStats evaluate() { return Evaluation.of(state.network(), test); }

  @Override
  public List<StepOutcome> next() {
    Network net = state.network();
    long t = state.step() + 1;
    long t0 = System.nanoTime();
    int n = sampler.localRows(t, train.firstRow(), train.rows(), rows);
    train.gather(rows, 0, n, x, y, 0);
    ParameterLayout layout = net.layout();
    float[] grad = new float[layout.size()];
    BatchStats s = net.accumulateGradient(x, n, y, 0, 1f / n, grad, layout, ws);
    Divergence.check(t, grad);   // before the optimizer: a diverged step reaches no weight, checkpoint or summary
    double[] churn = state.finishStep(grad, layout, rule.needsDenseGradient(t) ? (l, v) -> inactiveGradient(net, ws, l, v) : null);
    double ms = (System.nanoTime() - t0) / 1e6;
    StepReport report = new StepReport(t, sampler.epochOf(t), s.meanLoss(), s.accuracy(), state.learningRate(t), ms, ms, ms, 0, 0);
    return List.of(new StepOutcome(s, report, churn == null ? null : new MaskUpdateReport(t, churn, net.densities(), ms)));
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
