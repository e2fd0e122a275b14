package org.sparsetrain.training;

/**
 * One step: mean training loss and accuracy on the global batch, learning rate, and the time split
 * into computation and everything else (Spark's scheduling, broadcasts and task results,
 * serialisation, waiting for the slowest task, averaging local-SGD replicas), plus bytes sent to
 * and from executors. Computation is the summed task time divided by the parallelism plus
 * {@code driverMillis}, the training math the driver does itself: a mask-update step's
 * forward/backward when it runs there, the optimizer, and the mask decision and change while no
 * Spark job runs for it (0 where the model lives on the executors: the sharded trainer counts its
 * driver's decisions as overhead; the single-JVM trainer reports its whole step). In
 * {@code barrier} mode, {@code collectiveMillis} is the tasks' mean time in the allreduce between
 * them (not counted as computation) and {@code collectiveBytes} what each task sent to its peer.
 */
public record StepReport(long step, int epoch, double loss, double accuracy, double lr, double stepMillis,
                         double computeMillis, double driverMillis, long bytesSent, long bytesReceived,
                         double collectiveMillis, long collectiveBytes) {
  /** A step without a collective between tasks (every mode but {@code barrier}). */
  public StepReport(long step, int epoch, double loss, double accuracy, double lr, double stepMillis,
                    double computeMillis, double driverMillis, long bytesSent, long bytesReceived) {
    this(step, epoch, loss, accuracy, lr, stepMillis, computeMillis, driverMillis, bytesSent, bytesReceived, 0, 0);
  }
}
