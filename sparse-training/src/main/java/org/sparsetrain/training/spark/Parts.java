package org.sparsetrain.training.spark;

/** What tasks send back to the driver (all Kryo-registered, plain fields). */
final class Parts {
  private Parts() {}

  /** A fixed-point gradient sum (a step's gradient, or one row block of inactive-position gradients) and batch statistics. */
  static final class Gradient implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    long[] acc;
    double lossSum;
    long correct;
    long count;
    long computeNanos;
    int tasks;
    boolean bad;

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
      lossSum += o.lossSum;
      correct += o.correct;
      count += o.count;
      computeNanos += o.computeNanos;
      tasks += o.tasks;
      return this;
    }
  }

  /** One partition's end of a local-SGD round: its values and optimizer state after K local steps. */
  static final class Round implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    int partition;
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

  /** Loss and accuracy over test blocks. */
  static final class Eval implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    double lossSum;
    long correct;
    long count;
    long computeNanos;

    Eval merge(Eval o) {
      lossSum += o.lossSum;
      correct += o.correct;
      count += o.count;
      computeNanos += o.computeNanos;
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
