package org.sparsetrain.training.checkpoint;

/**
 * Which committed checkpoints {@link CheckpointStore#retain} keeps: the newest {@code keepLast}
 * that verify, plus the one with the best {@code bestMetric} (a numeric value in the manifest's
 * {@code extra}, dotted path allowed) when a metric is named. Everything kept verifies; the newest
 * valid checkpoint is always kept.
 *
 * @param keepLast at least 1 (default 3)
 * @param bestMetric e.g. {@code val_accuracy}; null keeps no extra best checkpoint
 * @param higherIsBetter true for accuracy, false for a loss
 */
public record RetentionPolicy(int keepLast, String bestMetric, boolean higherIsBetter) {
  public RetentionPolicy {
    if (keepLast < 1) {
      throw new IllegalArgumentException("checkpoint keep_last must be >= 1, got " + keepLast);
    }
    if (bestMetric != null && bestMetric.isBlank()) {
      bestMetric = null;
    }
  }

  /** Keep the newest 3, no best. */
  public static final RetentionPolicy DEFAULT = new RetentionPolicy(3, null, true);

  /** Keeps everything that was ever committed: retention deletes nothing valid. */
  public static final RetentionPolicy KEEP_ALL = new RetentionPolicy(Integer.MAX_VALUE, null, true);

  public static RetentionPolicy keepLast(int k) {
    return new RetentionPolicy(k, null, true);
  }

  /** Also keeps the checkpoint with the highest ({@code higherIsBetter}) or lowest value of {@code metric}. */
  public RetentionPolicy keepBest(String metric, boolean higherIsBetter) {
    return new RetentionPolicy(keepLast, metric, higherIsBetter);
  }
}
