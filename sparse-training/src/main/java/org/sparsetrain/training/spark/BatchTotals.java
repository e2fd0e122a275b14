package org.sparsetrain.training.spark;

/**
 * The batch statistics that task results and weight shards carry (plain fields, shipped with the
 * subclass through Spark): summed loss, correct predictions, rows, task compute time, and for
 * gradients the number of merged task results and whether any gradient was not representable.
 * Shared by the driver-mode {@link Parts} and the sharded trainer's messages.
 */
public abstract class BatchTotals implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  public double lossSum;
  public long correct;
  public long count;
  public long computeNanos;
  public int tasks;
  public boolean bad;

  protected BatchTotals() {}

  /** Adds {@code o}'s loss, correct, count, compute time and tasks to this ({@code bad} is the caller's). */
  protected final void addTotals(BatchTotals o) {
    lossSum += o.lossSum;
    correct += o.correct;
    count += o.count;
    computeNanos += o.computeNanos;
    tasks += o.tasks;
  }

  /** Sets every statistic of this to {@code o}'s. */
  public final void copyTotals(BatchTotals o) {
    lossSum = o.lossSum;
    correct = o.correct;
    count = o.count;
    computeNanos = o.computeNanos;
    tasks = o.tasks;
    bad = o.bad;
  }
}
