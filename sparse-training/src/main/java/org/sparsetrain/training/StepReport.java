package org.sparsetrain.training;

/**
 * One step: mean training loss and accuracy on the global batch, learning rate, and the time split
 * into computation (summed task time divided by the parallelism) and everything else (Spark
 * scheduling, serialisation, the driver's optimizer), plus bytes sent to and from executors.
 */
public record StepReport(long step, int epoch, double loss, double accuracy, double lr, double stepMillis,
                         double computeMillis, long bytesSent, long bytesReceived) {}
