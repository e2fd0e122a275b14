package org.sparsetrain.jobs.output;

import java.io.PrintStream;
import java.util.Locale;
import org.sparsetrain.training.EpochReport;
import org.sparsetrain.training.StepReport;
import org.sparsetrain.training.TrainingListener;

/** Progress lines on the driver's console: step, epoch, loss, samples/s and ETA, then one line per epoch. */
public final class ConsoleProgress implements TrainingListener {
  private final PrintStream out;
  private final long totalSteps;
  private final int epochs;
  private final int batchSize;
  private final long intervalNanos;
  private final long start = System.nanoTime();
  private long lastPrint = System.nanoTime();
  private long stepsSincePrint;
  private double lossSum;
  private double accSum;
  private long firstStep = -1;

  public ConsoleProgress(PrintStream out, long totalSteps, int epochs, int batchSize, double intervalSeconds) {
    this.out = out;
    this.totalSteps = totalSteps;
    this.epochs = epochs;
    this.batchSize = batchSize;
    this.intervalNanos = (long) (intervalSeconds * 1e9);
  }

  @Override
  public void onStep(StepReport r) {
    if (firstStep < 0) {
      firstStep = r.step() - 1;
    }
    stepsSincePrint++;
    lossSum += r.loss();
    accSum += r.accuracy();
    long now = System.nanoTime();
    if (now - lastPrint >= intervalNanos) {
      double elapsed = (now - start) / 1e9;
      double rate = (r.step() - firstStep) * (double) batchSize / elapsed;
      double eta = (totalSteps - r.step()) * (double) batchSize / Math.max(rate, 1e-9);
      out.printf(Locale.ROOT, "step %d/%d  epoch %d/%d  loss %.4f  acc %.3f  lr %.4g  %s samples/s  ETA %s%n",
          r.step(), totalSteps, r.epoch() + 1, epochs, lossSum / stepsSincePrint, accSum / stepsSincePrint, r.lr(),
          human(rate), duration(eta));
      lastPrint = now;
      stepsSincePrint = 0;
      lossSum = 0;
      accSum = 0;
    }
  }

  @Override
  public void onEpoch(EpochReport r) {
    out.printf(Locale.ROOT, "epoch %d/%d done at step %d: train loss %.4f acc %.4f | test loss %.4f acc %.4f | %s samples/s | %.1f s%n",
        r.epoch() + 1, epochs, r.step(), r.trainLoss(), r.trainAccuracy(), r.evalLoss(), r.evalAccuracy(),
        human(r.samplesPerSecond()), r.wallSeconds());
    lastPrint = System.nanoTime();
  }

  static String human(double v) {
    if (v >= 1e6) {
      return String.format(Locale.ROOT, "%.2fM", v / 1e6);
    }
    if (v >= 1e3) {
      return String.format(Locale.ROOT, "%.1fk", v / 1e3);
    }
    return String.format(Locale.ROOT, "%.0f", v);
  }

  static String duration(double s) {
    long t = Math.round(s);
    if (t >= 3600) {
      return String.format(Locale.ROOT, "%dh%02dm", t / 3600, (t % 3600) / 60);
    }
    if (t >= 60) {
      return String.format(Locale.ROOT, "%dm%02ds", t / 60, t % 60);
    }
    return t + "s";
  }
}
