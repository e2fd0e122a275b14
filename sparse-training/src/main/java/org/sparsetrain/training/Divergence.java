package org.sparsetrain.training;

/**
 * The one divergence check of every engine: a step whose mean gradient holds a value that is not
 * finite or reaches 2^21 in magnitude has diverged, and the run stops there — before the optimizer
 * applies it, so no NaN reaches the weights, a checkpoint or a summary. The local trainer checks
 * its gradient with {@link #check}; the Spark trainers find the same condition while summing
 * gradients in fixed point (whose grid overflows at the same 2^21) and report it with
 * {@link #diverged}, so every mode fails with the same message and exit code.
 */
public final class Divergence {
  private Divergence() {}

  /** A gradient value at or above this magnitude means the run has diverged. */
  public static final double LIMIT = 0x1p21;

  /** A run that diverged (an {@link IllegalStateException}: a failed run, not a usage error). */
  public static final class DivergedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    DivergedException(String message) {
      super(message);
    }
  }

  /** The error of a step whose gradient diverged. */
  public static DivergedException diverged(long step) {
    return diverged(step, "the gradient");
  }

  /** The error of a step where {@code what} (e.g. "dense gradient of layer 1 rows 0..9") diverged. */
  public static DivergedException diverged(long step, String what) {
    return new DivergedException("step " + step + ": " + what + " is not finite or exceeds 2^21 in magnitude"
        + " (training diverged; lower optimizer.lr)");
  }

  /** Throws {@link #diverged} when a value of {@code grad} is not finite or at least {@link #LIMIT} in magnitude. */
  public static void check(long step, float[] grad) {
    float max = 0;
    for (float g : grad) {
      max = Math.max(max, Math.abs(g));   // NaN propagates through Math.max
    }
    if (!(max < LIMIT)) {
      throw diverged(step);
    }
  }
}
