package org.sparsetrain.training.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.sparsetrain.training.Evaluation;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.data.BatchSampler;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.nn.BatchStats;
import org.sparsetrain.training.nn.InactiveBlock;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.optim.OptimizerState;
import org.sparsetrain.training.util.RadixSelect;

/**
 * The functions Spark runs on executors. Each is a pure function of its broadcasts, the step and
 * the cached shard blocks, so a retried or speculative task computes the same result.
 */
final class Tasks {
  private Tasks() {}

  /** Test hook: the task of partition 0 fails on its first attempt at the chosen step. */
  static void maybeFail(long failOnceAtStep, long from, long to) {
    TaskContext tc = TaskContext.get();
    if (failOnceAtStep > 0 && failOnceAtStep >= from && failOnceAtStep <= to && tc != null
        && tc.partitionId() == 0 && tc.attemptNumber() == 0) {
      throw new IllegalStateException("sparsetrain test hook: injected failure at step " + failOnceAtStep
          + " (partition 0, attempt 0)");
    }
  }

  /** What every step-like task needs. */
  abstract static class Base implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    final String runId;
    final Broadcast<ModelStructure> structure;
    final Broadcast<ModelValues> values;
    final BatchSampler sampler;
    final long step;

    Base(String runId, Broadcast<ModelStructure> structure, Broadcast<ModelValues> values, BatchSampler sampler, long step) {
      this.runId = runId;
      this.structure = structure;
      this.values = values;
      this.sampler = sampler;
      this.step = step;
    }

    ExecutorCache.Replica borrow() {
      ExecutorCache.Replica r = ExecutorCache.borrow(runId, structure.value(), sampler.batchSize());
      values.value().loadInto(r.net);
      return r;
    }

    void giveBack(ExecutorCache.Replica r) {
      ExecutorCache.giveBack(runId, structure.value().version, r);
    }

    /** Forward/backward of the micro-batch of {@code b} at this step into r.grad; null if it has no rows. */
    BatchStats microBatch(ExecutorCache.Replica r, DataBlock b) {
      return r.microBatch(b, sampler, step);
    }
  }

  /**
   * One synchronous step: the exact sum of this partition's micro-batch gradients; with
   * {@code keep}, also the micro-batches' inputs and output gradients of the layers it marks
   * (what the mask update's dense gradient is computed from, see {@link BatchActivations}).
   */
  static final class Step extends Base implements FlatMapFunction<Iterator<DataBlock>, Parts.Gradient> {
    private static final long serialVersionUID = 1L;
    private final long failOnceAtStep;
    private final boolean[] keep;

    Step(String runId, Broadcast<ModelStructure> s, Broadcast<ModelValues> v, BatchSampler sampler, long step,
         long failOnceAtStep, boolean[] keep) {
      super(runId, s, v, sampler, step);
      this.failOnceAtStep = failOnceAtStep;
      this.keep = keep;
    }

    @Override
    public Iterator<Parts.Gradient> call(Iterator<DataBlock> it) {
      long start = System.nanoTime();
      ExecutorCache.Replica r = borrow();
      try {
        Sum sum = new Sum(r, keep);
        while (it.hasNext()) {
          sum.add(microBatch(r, it.next()));
        }
        maybeFail(failOnceAtStep, step, step);
        return Collections.singletonList(sum.result(start)).iterator();
      } finally {
        giveBack(r);
      }
    }

    /**
     * A step's gradient on the driver, from the rows a local-SGD round gathered for it ({@link
     * ShardRows}): the same micro-batches through the same code as the shards' tasks, so the same
     * bits.
     */
    static Parts.Gradient onDriver(ModelStructure structure, ModelValues values, int batchSize, List<ShardRows> rows,
                                   boolean[] keep) {
      long start = System.nanoTime();
      // not pooled: the next mask version replaces it anyway, and a driver of a cluster keeps no replica
      ExecutorCache.Replica r = new ExecutorCache.Replica(structure.build(), batchSize);
      values.loadInto(r.net);
      Sum sum = new Sum(r, keep);
      for (ShardRows s : rows) {
        sum.add(r.microBatch(s, batchSize));
      }
      return sum.result(start);
    }

    /** The exact sum of a step's micro-batch gradients (and, with {@code keep}, their rows), one micro-batch at a time. */
    private static final class Sum {
      private final ExecutorCache.Replica r;
      private final boolean[] keep;
      private final Parts.Gradient g;
      private final List<Parts.Rows> rows = new ArrayList<>();

      Sum(ExecutorCache.Replica r, boolean[] keep) {
        this.r = r;
        this.keep = keep;
        this.g = new Parts.Gradient(r.layout.size());
      }

      /** Adds the micro-batch just computed in r (nothing if st is null: no rows). */
      void add(BatchStats st) {
        if (st == null) {
          return;
        }
        g.bad |= !FixedPoint.add(r.grad, 0, g.acc, r.grad.length);
        g.lossSum += st.lossSum();
        g.correct += st.correct();
        g.count += st.count();
        if (keep != null) {
          rows.add(rows(r, keep, (int) st.count()));
        }
      }

      Parts.Gradient result(long startNanos) {
        if (keep != null) {
          g.rows = rows.toArray(new Parts.Rows[0]);
        }
        g.computeNanos = System.nanoTime() - startNanos;
        return g;
      }
    }

    private static Parts.Rows rows(ExecutorCache.Replica r, boolean[] keep, int n) {
      Parts.Rows out = new Parts.Rows();
      out.positions = Arrays.copyOf(r.positions, n);
      out.inputs = new float[keep.length][];
      out.deltas = new float[keep.length][];
      int stride = r.ws.batch();
      for (int l = 0; l < keep.length; l++) {
        if (keep[l]) {
          Layer layer = r.net.layer(l);
          out.inputs[l] = BatchActivations.lanes(r.ws.input(l), layer.inFeatures(), stride, n);
          out.deltas[l] = BatchActivations.lanes(r.ws.delta(l), layer.outFeatures(), stride, n);
        }
      }
      return out;
    }
  }

  /**
   * This task's share of the gradient of a mask-update step's batch at the <em>inactive</em>
   * positions of a group of row blocks (one Spark job): for each block [r0, r1) of a layer, task p
   * of P takes rows [r0 + (r1-r0)·p/P, r0 + (r1-r0)·(p+1)/P), forms each broadcast micro-batch's
   * gradient there with {@link InactiveBlock} and adds them in fixed point (the exact sum, whatever
   * the order), so a block's message is at most its own rows' floats. Where the growth reads only a
   * layer's {@code largest} largest |g| (see
   * {@link org.sparsetrain.training.sparsity.SparsityMethod#largestInactiveGradients}), the task
   * returns only its own {@code largest} largest and their positions: the layer's are among them.
   */
  static final class Inactive implements FlatMapFunction<Iterator<Integer>, Parts.Piece[]> {
    private static final long serialVersionUID = 1L;
    private final Broadcast<ModelStructure> structure;
    private final Broadcast<BatchActivations> batch;
    /** Per block: layer, first and end row, and how many largest |g| to keep (-1: all). */
    private final int[] layer;
    private final int[] r0;
    private final int[] r1;
    private final int[] largest;
    private final int tasks;

    Inactive(Broadcast<ModelStructure> structure, Broadcast<BatchActivations> batch, int[] layer, int[] r0, int[] r1,
             int[] largest, int tasks) {
      this.structure = structure;
      this.batch = batch;
      this.layer = layer;
      this.r0 = r0;
      this.r1 = r1;
      this.largest = largest;
      this.tasks = tasks;
    }

    /** First row of task p's share of rows [r0, r1) split over {@code tasks} tasks. */
    static int split(int r0, int r1, int p, int tasks) {
      return r0 + (int) ((long) (r1 - r0) * p / tasks);
    }

    @Override
    public Iterator<Parts.Piece[]> call(Iterator<Integer> it) {
      int p = TaskContext.get().partitionId();
      Parts.Piece[] pieces = new Parts.Piece[layer.length];
      for (int b = 0; b < pieces.length; b++) {
        pieces[b] = piece(b, split(r0[b], r1[b], p, tasks), split(r0[b], r1[b], p + 1, tasks));
      }
      return Collections.singletonList(pieces).iterator();
    }

    private Parts.Piece piece(int b, int from, int to) {
      long start = System.nanoTime();
      int l = layer[b];
      Parts.Piece piece = new Parts.Piece();
      piece.layer = l;
      piece.r0 = from;
      piece.r1 = to;
      ModelStructure s = structure.value();
      InactiveBlock block = InactiveBlock.of(s.rowPtr[l], s.colIdx[l], s.sizes[l], from, to);
      Parts.Rows[] micro = batch.value().rows;
      float[][] x = new float[micro.length][];
      float[][] delta = new float[micro.length][];
      int[] lanes = new int[micro.length];
      for (int m = 0; m < micro.length; m++) {
        x[m] = micro[m].inputs[l];
        delta[m] = micro[m].deltas[l];
        lanes[m] = micro[m].positions.length;
      }
      long[] acc = new long[block.count()];
      boolean[] bad = {false};
      block.gradients(x, delta, lanes, (g, at, n) -> bad[0] |= !FixedPoint.add(g, 0, acc, at, n));
      piece.bad = bad[0];
      piece.gradient = FixedPoint.toFloat(acc);
      if (largest[b] >= 0 && !piece.bad) {
        int[] keep = RadixSelect.largest(piece.gradient, piece.gradient.length, largest[b]);
        float[] g = new float[keep.length];
        for (int i = 0; i < keep.length; i++) {
          g[i] = piece.gradient[keep[i]];
        }
        piece.gradient = g;
        piece.positions = block.positionsOf(keep);
      }
      piece.computeNanos = System.nanoTime() - start;
      return piece;
    }
  }

  /**
   * A local-SGD round: steps [from, to], each on a local batch of this partition's own rows,
   * finished by a {@link TrainingState} of the executor's own (same optimizer, schedule and
   * gradient adjustment as the driver; rounds never contain a mask update).
   *
   * <p>The local batch: a partition holding R of the n training rows takes m = round(B·R/n) rows
   * per step, positions [s·m, (s+1)·m) of epoch e's keyed permutation of its own rows (the
   * {@link BatchSampler} permutation over [0, R), seed + the partition's first global row id), for
   * global step t in epoch e at step s of the epoch. So every task computes the same number of rows
   * per step (none waits for one that drew more of a global batch), each row is visited once per
   * epoch, and a retried task draws the same rows. With one partition (R = n, first row 0) these
   * are exactly the global batches, so local SGD is plain SGD.
   */
  static final class Round extends Base implements FlatMapFunction<Iterator<DataBlock>, Parts.Round> {
    private static final long serialVersionUID = 1L;
    private final long to;
    private final TrainingPlan plan;
    private final long totalSteps;
    private final long failOnceAtStep;
    private final long gather;

    /** With {@code gather} &gt; 0, the round also returns its shards' rows of that step's global batch ({@link ShardRows}). */
    Round(String runId, Broadcast<ModelStructure> s, Broadcast<ModelValues> v, BatchSampler sampler, long from, long to,
          TrainingPlan plan, long totalSteps, long failOnceAtStep, long gather) {
      super(runId, s, v, sampler, from);
      this.to = to;
      this.plan = plan;
      this.totalSteps = totalSteps;
      this.failOnceAtStep = failOnceAtStep;
      this.gather = gather;
    }

    /** m = round(B·R/n) rows per local step for a partition of R rows, at most R. */
    static int localBatch(BatchSampler global, long partitionRows) {
      return (int) Math.min(partitionRows, Math.round(global.batchSize() * (double) partitionRows / global.rows()));
    }

    @Override
    public Iterator<Parts.Round> call(Iterator<DataBlock> it) {
      long start = System.nanoTime();
      List<DataBlock> blocks = new ArrayList<>();
      it.forEachRemaining(blocks::add);
      blocks.sort(Comparator.comparingLong(DataBlock::firstRow));
      long[] blockStart = new long[blocks.size() + 1];
      for (int b = 0; b < blocks.size(); b++) {
        blockStart[b + 1] = blockStart[b] + blocks.get(b).rows();
      }
      long partitionRows = blockStart[blocks.size()];
      Parts.Round out = new Parts.Round();
      if (gather > 0) {
        out.next = blocks.stream().map(b -> ShardRows.of(b, sampler, gather)).filter(java.util.Objects::nonNull)
            .toArray(ShardRows[]::new);
      }
      int m = localBatch(sampler, partitionRows);
      BatchSampler own = m == 0 ? null
          : new BatchSampler(partitionRows, m, sampler.seed() + blocks.get(0).firstRow());
      ExecutorCache.Replica r = m == 0 ? null : ExecutorCache.borrow(runId, structure.value(), m);
      try {
        ModelValues v = values.value();
        int k = (int) (to - step + 1);
        out.lossSum = new double[k];
        out.correct = new long[k];
        out.count = new long[k];
        if (m == 0) {
          maybeFail(failOnceAtStep, step, to);
          out.computeNanos = System.nanoTime() - start;
          return Collections.singletonList(out).iterator();
        }
        v.loadInto(r.net);
        OptimizerState opt = v.optimizerState(plan.optimizer());
        TrainingState local = new TrainingState(r.net, opt, plan.method(), plan.learningRate(totalSteps), plan.seed(),
            totalSteps, step - 1, v.version);
        int[][] rowsPerBlock = new int[blocks.size()][m];
        int[] nPerBlock = new int[blocks.size()];
        int f = r.net.inputs();
        int lanes = ExecutorCache.lanes(m);
        long spe = sampler.stepsPerEpoch();
        for (long t = step; t <= to; t++) {
          long epoch = (t - 1) / spe;
          long first = (t - 1) % spe * m;
          Arrays.fill(nPerBlock, 0);
          for (int j = 0; j < m; j++) {
            long row = own.rowAt(epoch, first + j);
            int b = Arrays.binarySearch(blockStart, row);
            b = b >= 0 ? b : -b - 2;
            rowsPerBlock[b][nPerBlock[b]++] = (int) (row - blockStart[b]);
          }
          int off = 0;
          for (int b = 0; b < blocks.size(); b++) {
            int n = nPerBlock[b];
            if (n == 0) {
              continue;
            }
            blocks.get(b).gather(rowsPerBlock[b], 0, n, r.tmp, r.y, off);
            for (int c = 0; c < f; c++) {
              System.arraycopy(r.tmp, c * n, r.x, c * lanes + off, n);
            }
            off += n;
          }
          for (int c = 0; c < f; c++) {
            Arrays.fill(r.x, c * lanes + m, (c + 1) * lanes, 0f);
          }
          Arrays.fill(r.grad, 0f);
          BatchStats st = r.net.accumulateGradient(r.x, m, lanes, r.y, 0, 1f / m, r.grad, r.layout, r.ws);
          int i = (int) (t - step);
          out.lossSum[i] = st.lossSum();
          out.correct[i] = st.correct();
          out.count[i] = st.count();
          if (local.finishStep(r.grad, r.layout, null) != null) {
            throw new IllegalStateException("a local-SGD round reached a mask update at step " + t);
          }
          out.rows += m;
        }
        out.takeModel(r.net, opt, r.layout);
        maybeFail(failOnceAtStep, step, to);
        out.computeNanos = System.nanoTime() - start;
        return Collections.singletonList(out).iterator();
      } finally {
        if (r != null) {
          giveBack(r);
        }
      }
    }
  }

  /** Loss and accuracy of the broadcast model over test blocks. */
  static final class Eval implements FlatMapFunction<Iterator<DataBlock>, Parts.Eval> {
    private static final long serialVersionUID = 1L;
    private final String runId;
    private final Broadcast<ModelStructure> structure;
    private final Broadcast<ModelValues> values;
    private final int capacity;

    Eval(String runId, Broadcast<ModelStructure> structure, Broadcast<ModelValues> values, int capacity) {
      this.runId = runId;
      this.structure = structure;
      this.values = values;
      this.capacity = capacity;
    }

    @Override
    public Iterator<Parts.Eval> call(Iterator<DataBlock> it) {
      long start = System.nanoTime();
      Parts.Eval e = new Parts.Eval();
      if (!it.hasNext()) {
        return Collections.singletonList(e).iterator();
      }
      ExecutorCache.Replica r = ExecutorCache.borrow(runId, structure.value(), capacity);
      try {
        values.value().loadInto(r.net);
        while (it.hasNext()) {
          BatchStats s = Evaluation.of(r.net, it.next());
          e.lossSum += s.lossSum();
          e.correct += s.correct();
          e.count += s.count();
        }
        e.computeNanos = System.nanoTime() - start;
        return Collections.singletonList(e).iterator();
      } finally {
        ExecutorCache.giveBack(runId, structure.value().version, r);
      }
    }
  }
}
