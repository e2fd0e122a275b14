package org.sparsetrain.training.spark.sharded;

import java.util.Arrays;
import org.sparsetrain.training.checkpoint.ShardFile;
import org.sparsetrain.training.nn.InactiveBlock;
import org.sparsetrain.training.nn.SparseLinear;
import org.sparsetrain.training.nn.StructureChange;
import org.sparsetrain.training.optim.Optimizer;
import org.sparsetrain.training.spark.BatchTotals;
import org.sparsetrain.training.spark.FixedPoint;
import org.sparsetrain.training.util.RadixSelect;

/**
 * Rows [r0, r1) of one layer: their structure (local CSR, row pointers from 0), values, bias and
 * optimizer state; the element of the sharded trainer's cached, versioned shard RDD. Every
 * operation returns a new shard and never changes this one: a cached version stays intact, so a
 * retried or recomputed task sees the same input.
 *
 * <p>At a mask-update step the shard also keeps that step's sparse gradient of its slice and,
 * for gradient growth, the summed dense gradient of its inactive positions (ascending position
 * order), until the driver's decision is applied. Its batch totals are the step statistics,
 * carried by shard key 0 (from the reduce-scattered gradient).
 */
final class WeightShard extends BatchTotals {
  private static final long serialVersionUID = 1L;
  int key;
  int layer;
  int r0;
  int r1;
  int in;
  /** Mask version this slice's structure belongs to. */
  long version;
  /** Local row pointers (length r1-r0+1, from 0) and columns; null for a dense layer. */
  int[] rowPtr;
  int[] colIdx;
  float[] values;
  float[] bias;
  float[][] slots;
  float[][] biasSlots;
  /** Kept only after a mask-update step: this step's gradient slice and inactive-position dense gradient. */
  float[] stepGradient;
  float[] inactiveGradient;

  WeightShard() {}

  int rows() {
    return r1 - r0;
  }

  int nnz() {
    return values.length;
  }

  boolean sparse() {
    return rowPtr != null;
  }

  /** Inactive positions of the slice (dense layers have none). */
  long inactiveCount() {
    return sparse() ? (long) rows() * in - values.length : 0;
  }

  long bytes() {
    return 4L * (values.length + bias.length) * (1 + slots.length) + (sparse() ? 4L * (rowPtr.length + colIdx.length) : 0);
  }

  /** A copy sharing structure arrays (never modified in place) with fresh value and state arrays. */
  private WeightShard copyValues() {
    WeightShard s = new WeightShard();
    s.key = key;
    s.layer = layer;
    s.r0 = r0;
    s.r1 = r1;
    s.in = in;
    s.version = version;
    s.rowPtr = rowPtr;
    s.colIdx = colIdx;
    s.values = values.clone();
    s.bias = bias.clone();
    s.slots = deep(slots);
    s.biasSlots = deep(biasSlots);
    return s;
  }

  private static float[][] deep(float[][] a) {
    float[][] c = new float[a.length][];
    for (int i = 0; i < a.length; i++) {
      c[i] = a[i].clone();
    }
    return c;
  }

  /** This shard as the content of its checkpoint file ({@code index}: its place in the layer). */
  ShardFile.Content content(int index) {
    return new ShardFile.Content(layer, index, r0, r1, in, rowPtr, colIdx, values, bias, slots, biasSlots);
  }

  /** The shard {@code key} of mask version {@code version} read back from its checkpoint file. */
  static WeightShard of(ShardFile.Content c, int key, long version) {
    WeightShard s = new WeightShard();
    s.key = key;
    s.layer = c.layer();
    s.r0 = c.r0();
    s.r1 = c.r1();
    s.in = c.in();
    s.version = version;
    s.rowPtr = c.rowPtr();
    s.colIdx = c.colIdx();
    s.values = c.values();
    s.bias = c.bias();
    s.slots = c.slots();
    s.biasSlots = c.biasSlots();
    return s;
  }

  /** Values only, for the all-gather. */
  ShardMessages.ValuesPiece piece() {
    ShardMessages.ValuesPiece p = new ShardMessages.ValuesPiece();
    p.key = key;
    p.layer = layer;
    p.r0 = r0;
    p.r1 = r1;
    p.version = version;
    p.values = values;
    p.bias = bias;
    return p;
  }

  /**
   * This shard after step {@code step}: the summed gradient slice {@code g} turned back into floats
   * and, unless the method skips it at this step, one optimizer update with the driver's
   * learning rate and optimizer step count (the same elementwise update the driver mode applies to
   * the whole layer). {@code keep} keeps the gradients for the mask decision.
   */
  WeightShard update(ShardMessages.GradSlice g, Optimizer opt, boolean apply, float lr, long optStep, boolean keep) {
    if (g.acc.length != values.length + bias.length) {
      throw new IllegalStateException("shard " + key + " (layer " + layer + " rows " + r0 + ".." + (r1 - 1)
          + "): gradient slice of " + g.acc.length + " values does not fit " + values.length + " weights + "
          + bias.length + " biases (mask versions out of step?)");
    }
    WeightShard s = copyValues();
    float[] grad = FixedPoint.toFloat(g.acc);
    if (apply) {
      opt.update(s.values, s.slots, grad, 0, values.length, lr, optStep, true);
      opt.update(s.bias, s.biasSlots, grad, values.length, bias.length, lr, optStep, false);
    }
    s.copyTotals(g);
    if (keep) {
      s.stepGradient = Arrays.copyOf(grad, values.length);
      s.inactiveGradient = g.inactive == null ? null : FixedPoint.toFloat(g.inactive);
    }
    return s;
  }

  /**
   * Candidates for the driver: the {@code k} smallest |w| (ties by lower index) with their values
   * and step gradients, and the {@code m} largest inactive |dense gradient| (ties by lower
   * position). Indices and positions are local to the slice.
   */
  ShardMessages.ShardSummary summary(int k, int m) {
    ShardMessages.ShardSummary out = new ShardMessages.ShardSummary();
    out.key = key;
    out.layer = layer;
    out.nnz = values.length;
    out.inactive = inactiveCount();
    out.copyTotals(this);
    k = Math.min(Math.max(k, 0), values.length);
    long[] keys = new long[k > 0 ? values.length : 0];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = ((long) Float.floatToIntBits(Math.abs(values[i])) << 32) | i;
    }
    Arrays.sort(keys);
    out.dropIdx = new int[k];
    out.dropVal = new float[k];
    out.dropGrad = new float[k];
    for (int i = 0; i < k; i++) {
      int idx = (int) keys[i];
      out.dropIdx[i] = idx;
      out.dropVal[i] = values[idx];
      out.dropGrad[i] = stepGradient == null ? 0f : stepGradient[idx];
    }
    out.allDrops = k == values.length;
    if (inactiveGradient == null || m <= 0) {
      out.growPos = new long[0];
      out.growGrad = new float[0];
      out.allGrows = inactiveGradient == null || inactiveGradient.length == 0;
      return out;
    }
    int n = inactiveGradient.length;
    m = Math.min(Math.max(m, 0), n);
    int[] chosen = RadixSelect.largest(inactiveGradient, n, m);   // lower position = lower i on ties
    out.growPos = new long[m];
    out.growGrad = new float[m];
    long[] pos = inactivePositions();
    for (int i = 0; i < m; i++) {
      out.growPos[i] = pos[chosen[i]];
      out.growGrad[i] = inactiveGradient[chosen[i]];
    }
    out.allGrows = m == n;
    return out;
  }

  /** Local positions {@code (row - r0)·in + col} of the inactive entries, ascending. */
  long[] inactivePositions() {
    return InactiveBlock.of(rowPtr, colIdx, in, 0, rows()).positions();
  }

  /**
   * This slice after the driver's decision: the same {@link StructureChange} the driver computes
   * for the whole layer, restricted to these rows (kept and revived connections keep value and
   * state, new ones start at their grow value, 0 by default, with zero state).
   */
  WeightShard apply(ShardMessages.ShardEdit e, long newVersion) {
    WeightShard s = copyValues();
    s.version = newVersion;
    if (e == null || (e.drop.length == 0 && e.grow.length == 0)) {
      return s;
    }
    if (!sparse()) {
      throw new IllegalStateException("layer " + layer + " is dense; its mask cannot change");
    }
    SparseLinear view = new SparseLinear(in, rows(), rowPtr, colIdx, values, bias);
    StructureChange ch = StructureChange.compute(view, e.drop, e.grow);
    s.rowPtr = ch.rowPtr();
    s.colIdx = ch.colIdx();
    s.values = ch.remap(values);
    for (int i = 0; i < slots.length; i++) {
      s.slots[i] = ch.remap(slots[i]);
    }
    if (e.growValues != null) {
      long[] grow = e.grow;
      int[] src = ch.source();
      for (int r = 0; r < s.rowPtr.length - 1; r++) {
        for (int q = s.rowPtr[r]; q < s.rowPtr[r + 1]; q++) {
          if (src[q] < 0) {
            s.values[q] = e.growValues[Arrays.binarySearch(grow, (long) r * in + s.colIdx[q])];
          }
        }
      }
    }
    return s;
  }
}
