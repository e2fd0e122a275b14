package org.sparsetrain.training.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.data.BatchSampler;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.nn.BatchStats;
import org.sparsetrain.training.nn.ParameterLayout;
import org.sparsetrain.training.optim.OptimizerState;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;

/**
 * One task of a barrier stage that runs the synchronous steps [from, to] (a stretch between mask
 * updates): every task holds the same replica of values and optimizer state (from the broadcast),
 * and for each step computes its shards' micro-batch gradients of the step's global batch (the same
 * micro-batches as a {@code driver}-mode step), adds them in fixed point, and the tasks allreduce
 * the sums between them ({@link BarrierRing}); each then finishes the step itself through
 * {@link TrainingState#finishStep}. Fixed-point sums are exact, so the replicas stay identical and
 * the model is bit-identical to the {@code driver} mode's. Rank 0 returns the values and optimizer
 * state at the end; every rank returns the per-step totals (the same on each). A step whose sum
 * diverged ends the stretch there: the totals say so and the driver stops the run before any NaN
 * reaches its model.
 */
final class StretchTask extends scala.runtime.AbstractFunction1<Iterator<DataBlock>, Iterator<Parts.Round>>
    implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  private final String runId;
  private final Broadcast<ModelStructure> structure;
  private final Broadcast<ModelValues> values;
  private final BatchSampler sampler;
  private final long from;
  private final long to;
  private final TrainingPlan plan;
  private final long totalSteps;
  private final long failOnceAtStep;
  private final long gather;
  private final byte[] token;
  private final int timeoutMillis;
  private final int attempt;

  /** {@code attempt}: how many times the driver ran this stretch before (0 the first time). */
  StretchTask(String runId, Broadcast<ModelStructure> structure, Broadcast<ModelValues> values, BatchSampler sampler,
              long from, long to, TrainingPlan plan, long totalSteps, long failOnceAtStep, long gather, byte[] token,
              int timeoutMillis, int attempt) {
    this.runId = runId;
    this.structure = structure;
    this.values = values;
    this.sampler = sampler;
    this.from = from;
    this.to = to;
    this.plan = plan;
    this.totalSteps = totalSteps;
    this.failOnceAtStep = failOnceAtStep;
    this.gather = gather;
    this.token = token;
    this.timeoutMillis = timeoutMillis;
    this.attempt = attempt;
  }

  @Override
  public Iterator<Parts.Round> apply(Iterator<DataBlock> it) {
    long start = System.nanoTime();
    BarrierTaskContext ctx = BarrierTaskContext.get();
    List<DataBlock> blocks = new ArrayList<>();
    CollectionConverters.asJava(it).forEachRemaining(blocks::add);
    Parts.Round out = new Parts.Round();
    if (gather > 0) {
      out.next = blocks.stream().map(b -> ShardRows.of(b, sampler, gather)).filter(java.util.Objects::nonNull)
          .toArray(ShardRows[]::new);
    }
    int k = (int) (to - from + 1);
    out.lossSum = new double[k];
    out.correct = new long[k];
    out.count = new long[k];
    ExecutorCache.Replica r = ExecutorCache.borrow(runId, structure.value(), sampler.batchSize());
    try (BarrierRing ring = BarrierRing.open(ctx, token, timeoutMillis)) {
      ModelValues v = values.value();
      v.loadInto(r.net);
      OptimizerState opt = v.optimizerState(plan.optimizer());
      TrainingState replica = new TrainingState(r.net, opt, plan.method(), plan.learningRate(totalSteps), plan.seed(),
          totalSteps, from - 1, v.version);
      ParameterLayout layout = r.layout;
      long[] acc = new long[layout.size()];
      for (long t = from; t <= to; t++) {
        Arrays.fill(acc, 0L);
        boolean bad = false;
        double loss = 0;
        long correct = 0;
        long count = 0;
        for (DataBlock b : blocks) {
          BatchStats st = r.microBatch(b, sampler, t);
          if (st != null) {
            bad |= !FixedPoint.add(r.grad, 0, acc, r.grad.length);
            loss += st.lossSum();
            correct += st.correct();
            count += st.count();
          }
        }
        if (t == failOnceAtStep && ctx.partitionId() == 0 && attempt == 0) {
          // test hook: fails the stretch's first run; the driver runs it again from the same broadcasts
          throw new IllegalStateException("sparsetrain test hook: injected failure at step " + t
              + " (partition 0, first run of the stretch)");
        }
        long c0 = System.nanoTime();
        ring.allreduce(acc);
        long[][] all = ring.allgather(new long[] {Double.doubleToRawLongBits(loss), correct, count, bad ? 1 : 0});
        out.collectiveNanos += System.nanoTime() - c0;
        int i = (int) (t - from);
        boolean anyBad = false;
        for (long[] a : all) {   // in rank order: the same double sum on every rank
          out.lossSum[i] += Double.longBitsToDouble(a[0]);
          out.correct[i] += a[1];
          out.count[i] += a[2];
          anyBad |= a[3] != 0;
        }
        out.rows += out.count[i];
        if (anyBad || out.count[i] != sampler.batchSize()) {
          out.diverged = anyBad ? t : 0;
          return finish(out, start, k);   // the driver reports it; no rank goes on
        }
        replica.finishStep(FixedPoint.toFloat(acc), layout, null);
      }
      if (ring.rank() == 0) {
        out.takeModel(r.net, opt, layout);
        out.optimizerStep = opt.step();
      }
      return finish(out, start, k);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      ExecutorCache.giveBack(runId, structure.value().version, r);
    }
  }

  private static Iterator<Parts.Round> finish(Parts.Round out, long start, int k) {
    out.computeNanos = System.nanoTime() - start;
    return CollectionConverters.asScala(Collections.singletonList(out).iterator());
  }
}
