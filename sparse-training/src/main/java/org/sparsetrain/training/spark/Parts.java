package org.sparsetrain.training.spark;

import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.ParameterLayout;
import org.sparsetrain.training.optim.OptimizerState;

/** What tasks send back to the driver (all Kryo-registered, plain fields). */
final class Parts {
  private Parts() {}

  /**
   * A step's fixed-point gradient sum and batch statistics; at a step whose mask update needs the
   * dense gradient, also the micro-batches' layer inputs and output gradients.
   */
  static final class Gradient extends BatchTotals {
    private static final long serialVersionUID = 1L;
    long[] acc;
    /** The micro-batches' rows (only when asked for), in no particular order. */
    Rows[] rows;

    Gradient() {}

    Gradient(int size) {
      acc = new long[size];
      tasks = 1;
    }

    /** Merges {@code o} into this (or returns {@code o} when this is the empty zero value). */
    Gradient merge(Gradient o) {
      if (o.acc == null) {
        return this;
      }
      if (acc == null) {
        return o;
      }
      bad |= o.bad | !FixedPoint.addInto(o.acc, acc);
      addTotals(o);
      if (o.rows != null) {
        rows = rows == null ? o.rows : concat(rows, o.rows);
      }
      return this;
    }

    private static Rows[] concat(Rows[] a, Rows[] b) {
      Rows[] c = java.util.Arrays.copyOf(a, a.length + b.length);
      System.arraycopy(b, 0, c, a.length, b.length);
      return c;
    }
  }

  /**
   * Some rows of a step's global batch: their positions in the batch, and per layer whose dense
   * gradient is asked for, the layer's input (in × n) and output gradient (out × n), feature-major
   * (null for other layers).
   */
  static final class Rows implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    int[] positions;
    float[][] inputs;
    float[][] deltas;
  }

  /** One task's share of a row block's inactive-position gradients: rows [r0, r1) of the block's layer. */
  static final class Piece implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    int layer;
    int r0;
    int r1;
    float[] gradient;
    /** When the task kept only its largest |gradient| ({@link Tasks.Inactive}): their positions, ascending; else null. */
    long[] positions;
    boolean bad;
    long computeNanos;
  }

  /** One partition's end of a local-SGD round: its values and optimizer state after K local steps. */
  static final class Round implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    long rows;
    /** Values and biases in layout order. */
    float[] params;
    /** Optimizer slots, each in layout order. */
    float[][] slots;
    double[] lossSum;
    long[] correct;
    long[] count;
    long computeNanos;
    /** The partition's rows of the mask-update step after the round, when asked for (else null). */
    ShardRows[] next;
    /** A barrier stretch: the optimizer's step count at its end (rank 0), and the step whose sum diverged (else 0). */
    long optimizerStep;
    long diverged;
    /** A barrier stretch: this task's time in the collectives (part of computeNanos). */
    long collectiveNanos;

    /** Sets {@link #params} and {@link #slots} from a replica's network and optimizer state. */
    void takeModel(Network net, OptimizerState opt, ParameterLayout layout) {
      params = new float[layout.size()];
      slots = new float[opt.slots()][layout.size()];
      for (int l = 0; l < net.layerCount(); l++) {
        Layer layer = net.layer(l);
        System.arraycopy(layer.values(), 0, params, layout.weightOffset(l), layer.nnz());
        System.arraycopy(layer.bias(), 0, params, layout.biasOffset(l), layer.outFeatures());
        for (int s = 0; s < slots.length; s++) {
          System.arraycopy(opt.weightSlot(l, s), 0, slots[s], layout.weightOffset(l), layer.nnz());
          System.arraycopy(opt.biasSlot(l, s), 0, slots[s], layout.biasOffset(l), layer.outFeatures());
        }
      }
    }
  }

  /** Loss and accuracy over test blocks (tasks and bad stay unused). */
  static final class Eval extends BatchTotals {
    private static final long serialVersionUID = 1L;

    Eval merge(Eval o) {
      addTotals(o);
      return this;
    }
  }

  /** What validation learns about one block. */
  static final class BlockSummary implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    int partition;
    long firstRow;
    int rows;
    int features;
    long badLabelRow = -1;
    int badLabel;
    long nonFiniteRow = -1;
    int nonFiniteFeature;
    float nonFiniteValue;
  }
}
