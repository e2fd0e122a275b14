package org.sparsetrain.training.spark;

/** What tasks send back to the driver (all Kryo-registered, plain fields). */
final class Parts {
  private Parts() {}

  /** A fixed-point gradient sum (a step's gradient, or one row block of inactive-position gradients) and batch statistics. */
  static final class Gradient extends BatchTotals {
    private static final long serialVersionUID = 1L;
    long[] acc;

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
      return this;
    }
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
