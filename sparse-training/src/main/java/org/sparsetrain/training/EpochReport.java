package org.sparsetrain.training;

/** End of an epoch: training loss/accuracy over the epoch's steps and the evaluation on held-out data. */
public record EpochReport(int epoch, long step, double trainLoss, double trainAccuracy, double evalLoss,
                          double evalAccuracy, double[] densities, double[] targetDensities,
                          double wallSeconds, double samplesPerSecond) {}
