package org.sparsetrain.training;

import org.sparsetrain.training.nn.BatchStats;
import org.sparsetrain.training.nn.Fingerprint;
import org.sparsetrain.training.nn.Network;

/** The trained model and what the run measured. */
public record TrainResult(Network network, BatchStats test, long steps, int epochs, double wallSeconds,
                          double samplesPerSecond) {
  public String fingerprint() {
    return Fingerprint.of(network);
  }
}
