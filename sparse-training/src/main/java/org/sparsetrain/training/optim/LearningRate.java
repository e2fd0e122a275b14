package org.sparsetrain.training.optim;

import java.io.Serializable;
import java.util.Locale;

/**
 * Learning-rate schedule over optimizer steps: {@code constant}, {@code cosine} (from the base rate
 * to 0 at the last step) or {@code step} (× gamma at each of the given fractions of training),
 * each with an optional linear warm-up.
 */
public record LearningRate(double base, String schedule, long warmupSteps, long totalSteps,
                           double gamma, double[] milestones) implements Serializable {
  public LearningRate {
    if (!(base > 0) || Double.isInfinite(base)) {
      throw new IllegalArgumentException("optimizer.lr must be > 0, got " + base);
    }
    schedule = schedule.toLowerCase(Locale.ROOT);
    if (!schedule.equals("constant") && !schedule.equals("cosine") && !schedule.equals("step")) {
      throw new IllegalArgumentException("optimizer.lr_schedule must be constant, cosine or step, got '" + schedule + "'");
    }
    if (warmupSteps < 0 || totalSteps < 1) {
      throw new IllegalArgumentException("learning-rate warm-up must be >= 0 and total steps >= 1");
    }
    milestones = milestones == null ? new double[0] : milestones.clone();
  }

  public static LearningRate constant(double base) {
    return new LearningRate(base, "constant", 0, 1, 1, null);
  }

  /** Learning rate for step t (1-based). */
  public float at(long t) {
    double lr = base;
    if (warmupSteps > 0 && t <= warmupSteps) {
      return (float) (base * t / warmupSteps);
    }
    switch (schedule) {
      case "cosine": {
        double p = Math.min(1.0, (double) (t - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
        lr = base * 0.5 * (1 + Math.cos(Math.PI * p));
        break;
      }
      case "step": {
        double frac = (double) t / totalSteps;
        for (double m : milestones) {
          if (frac >= m) {
            lr *= gamma;
          }
        }
        break;
      }
      default:
        break;
    }
    return (float) lr;
  }
}
