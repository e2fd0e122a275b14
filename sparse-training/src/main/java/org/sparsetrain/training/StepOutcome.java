package org.sparsetrain.training;

import org.sparsetrain.training.nn.BatchStats;

/**
 * What an engine reports of one finished step: the global batch's loss and accuracy sums, the
 * step's report (time split, bytes), and its mask update if it made one (else null).
 */
public record StepOutcome(BatchStats stats, StepReport report, MaskUpdateReport maskUpdate) {
  public long step() {
    return report.step();
  }
}
