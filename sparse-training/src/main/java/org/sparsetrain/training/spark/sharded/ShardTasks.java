package org.sparsetrain.training.spark.sharded;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction2;
import org.apache.spark.broadcast.Broadcast;
import org.sparsetrain.training.Evaluation;
import org.sparsetrain.training.data.BatchSampler;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.nn.BatchStats;
import org.sparsetrain.training.nn.InactiveBlock;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.spark.ExecutorCache;
import org.sparsetrain.training.spark.FixedPoint;
import org.sparsetrain.training.spark.ModelStructure;
import scala.Tuple2;

/**
 * The functions the sharded trainer runs on executors. Each is a pure function of the step, the
 * broadcast structure, the gathered shard values and the cached data blocks, so a retried or
 * recomputed task gives the same result.
 */
final class ShardTasks {
  private ShardTasks() {}

  /** Test hook: partition 0's first attempt fails at the chosen step. */
  static void maybeFail(long failOnceAtStep, long step) {
    TaskContext tc = TaskContext.get();
    if (failOnceAtStep > 0 && failOnceAtStep == step && tc != null && tc.partitionId() == 0 && tc.attemptNumber() == 0) {
      throw new IllegalStateException("sparsetrain test hook: injected failure at step " + step + " (partition 0, attempt 0)");
    }
  }

  /** Loads every shard's values; checks that all L·S shards of the right version arrived. */
  static void load(ExecutorCache.Replica r, Iterator<ShardMessages.ValuesPiece> pieces, ModelStructure s, int expected) {
    int got = 0;
    while (pieces.hasNext()) {
      ShardMessages.ValuesPiece p = pieces.next();
      if (p.version != s.version()) {
        throw new IllegalStateException("shard " + p.key + " has mask version " + p.version + ", structure " + s.version());
      }
      Layer layer = r.net.layer(p.layer);
      System.arraycopy(p.values, 0, layer.values(), (int) s.rowStart(p.layer, p.r0), p.values.length);
      System.arraycopy(p.bias, 0, layer.bias(), p.r0, p.bias.length);
      got++;
    }
    if (got != expected) {
      throw new IllegalStateException("all-gather delivered " + got + " of " + expected + " shards");
    }
  }

  /** What every data-side task needs. */
  abstract static class Base implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    final String runId;
    final Broadcast<ModelStructure> structure;
    final int shards;

    Base(String runId, Broadcast<ModelStructure> structure, int shards) {
      this.runId = runId;
      this.structure = structure;
      this.shards = shards;
    }
  }

  /**
   * The data side of one step: the fixed-point gradient of this partition's micro-batches (the
   * rows of step t's global batch in each virtual shard, scale 1/B, exactly as the driver mode
   * computes them), cut into one slice per weight shard (reduce-scatter input); at gradient-growth
   * steps also the dense gradient of every shard's inactive positions, in row blocks.
   */
  static final class Gradient extends Base
      implements FlatMapFunction2<Iterator<DataBlock>, Iterator<ShardMessages.ValuesPiece>, Tuple2<Integer, ShardMessages.GradSlice>> {
    private static final long serialVersionUID = 1L;
    private final int[][] bounds;
    private final BatchSampler sampler;
    private final long step;
    private final boolean dense;
    private final int denseBlockFloats;
    private final long failOnceAtStep;

    Gradient(String runId, Broadcast<ModelStructure> structure, int shards, int[][] bounds, BatchSampler sampler,
             long step, boolean dense, int denseBlockFloats, long failOnceAtStep) {
      super(runId, structure, shards);
      this.bounds = bounds;
      this.sampler = sampler;
      this.step = step;
      this.dense = dense;
      this.denseBlockFloats = denseBlockFloats;
      this.failOnceAtStep = failOnceAtStep;
    }

    @Override
    public Iterator<Tuple2<Integer, ShardMessages.GradSlice>> call(Iterator<DataBlock> blocks,
                                                                   Iterator<ShardMessages.ValuesPiece> pieces) {
      long start = System.nanoTime();
      ModelStructure s = structure.value();
      int layers = s.layers();
      ExecutorCache.Replica r = ExecutorCache.borrow(runId, s, sampler.batchSize());
      try {
        load(r, pieces, s, layers * shards);
        long[] acc = new long[r.layout.size()];
        long[][] inactive = dense ? new long[layers * shards][] : null;
        InactiveBlock[][] rowBlocks = dense ? new InactiveBlock[layers * shards][] : null;
        boolean bad = false;
        double lossSum = 0;
        long correct = 0;
        long count = 0;
        float[] buf = null;
        while (blocks.hasNext()) {
          DataBlock b = blocks.next();
          BatchStats st = r.microBatch(b, sampler, step);
          if (st == null) {
            continue;
          }
          bad |= !FixedPoint.add(r.grad, 0, acc, acc.length);
          lossSum += st.lossSum();
          correct += st.correct();
          count += st.count();
          if (dense) {
            for (int l = 0; l < layers; l++) {
              if (!s.sparse(l)) {
                continue;
              }
              int in = s.in(l);
              int blockRows = Math.max(1, denseBlockFloats / in);
              int[] rp = s.rowPtr(l);
              int[] ci = s.colIdx(l);
              for (int j = 0; j < shards; j++) {
                int key = l * shards + j;
                int r0 = bounds[l][j];
                int r1 = bounds[l][j + 1];
                if (inactive[key] == null) {
                  inactive[key] = new long[(r1 - r0) * in - (rp[r1] - rp[r0])];
                }
                if (rowBlocks[key] == null) {
                  rowBlocks[key] = new InactiveBlock[(r1 - r0 + blockRows - 1) / blockRows];
                  for (int i = 0; i < rowBlocks[key].length; i++) {
                    int b0 = r0 + i * blockRows;
                    rowBlocks[key][i] = InactiveBlock.of(rp, ci, in, b0, Math.min(r1, b0 + blockRows));
                  }
                }
                long[] ia = inactive[key];
                int q = 0;
                for (InactiveBlock block : rowBlocks[key]) {
                  if (buf == null || buf.length < block.count()) {
                    buf = new float[block.count()];
                  }
                  block.gradient(r.ws.input(l), r.ws.delta(l), r.ws.batch(), buf);
                  bad |= !FixedPoint.add(buf, 0, ia, q, block.count());
                  q += block.count();
                }
              }
            }
          }
        }
        maybeFail(failOnceAtStep, step);
        List<Tuple2<Integer, ShardMessages.GradSlice>> out = new ArrayList<>();
        if (count == 0) {
          return out.iterator();
        }
        for (int l = 0; l < layers; l++) {
          int wOff = r.layout.weightOffset(l);
          int bOff = r.layout.biasOffset(l);
          for (int j = 0; j < shards; j++) {
            int key = l * shards + j;
            int r0 = bounds[l][j];
            int r1 = bounds[l][j + 1];
            int k0 = (int) s.rowStart(l, r0);
            int k1 = (int) s.rowStart(l, r1);
            ShardMessages.GradSlice g = new ShardMessages.GradSlice();
            g.acc = new long[(k1 - k0) + (r1 - r0)];
            System.arraycopy(acc, wOff + k0, g.acc, 0, k1 - k0);
            System.arraycopy(acc, bOff + r0, g.acc, k1 - k0, r1 - r0);
            if (dense && s.sparse(l)) {
              g.inactive = inactive[key];
            }
            g.tasks = 1;
            g.bad = bad;
            if (key == 0) {
              g.lossSum = lossSum;
              g.correct = correct;
              g.count = count;
              g.computeNanos = System.nanoTime() - start;
            }
            out.add(new Tuple2<>(key, g));
          }
        }
        return out.iterator();
      } finally {
        ExecutorCache.giveBack(runId, s.version(), r);
      }
    }
  }

  /** Loss and accuracy over test blocks with the gathered values: {lossSum, correct, count}. */
  static final class Eval extends Base
      implements FlatMapFunction2<Iterator<DataBlock>, Iterator<ShardMessages.ValuesPiece>, double[]> {
    private static final long serialVersionUID = 1L;

    Eval(String runId, Broadcast<ModelStructure> structure, int shards) {
      super(runId, structure, shards);
    }

    @Override
    public Iterator<double[]> call(Iterator<DataBlock> blocks, Iterator<ShardMessages.ValuesPiece> pieces) {
      double[] e = new double[3];
      List<double[]> out = new ArrayList<>();
      out.add(e);
      if (!blocks.hasNext()) {
        return out.iterator();
      }
      ModelStructure s = structure.value();
      ExecutorCache.Replica r = ExecutorCache.borrow(runId, s, 1);
      try {
        load(r, pieces, s, s.layers() * shards);
        while (blocks.hasNext()) {
          BatchStats st = Evaluation.of(r.net, blocks.next());
          e[0] += st.lossSum();
          e[1] += st.correct();
          e[2] += st.count();
        }
        return out.iterator();
      } finally {
        ExecutorCache.giveBack(runId, s.version(), r);
      }
    }
  }
}
