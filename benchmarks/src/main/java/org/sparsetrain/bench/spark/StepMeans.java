package org.sparsetrain.bench.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.sparsetrain.jobs.report.RunMetrics;

/**
 * Step-weighted means of a run's {@code metrics.jsonl} step groups after a warm-up: the benchmarks'
 * step time, compute time (and the driver's part of it; 0 where the log does not say) and bytes per
 * step.
 *
 * @param steps the steps counted (0 if none are left after the warm-up)
 */
record StepMeans(long steps, double stepMs, double computeMs, double driverMs, double bytesSent, double bytesReceived) {

  /** The last step the log speaks of (0 without step groups). */
  static long lastStep(Path runDir) throws IOException {
    List<RunMetrics.StepGroup> groups = groups(runDir);
    return groups.isEmpty() ? 0 : groups.get(groups.size() - 1).toStep();
  }

  /** Means over the step groups that start after {@code warmUpSteps}. */
  static StepMeans of(Path runDir, long warmUpSteps) throws IOException {
    long n = 0;
    double step = 0;
    double compute = 0;
    double driver = 0;
    double sent = 0;
    double received = 0;
    for (RunMetrics.StepGroup g : groups(runDir)) {
      if (g.fromStep() <= warmUpSteps) {
        continue;
      }
      n += g.count();
      step += g.count() * g.stepMs();
      compute += g.count() * g.computeMs();
      driver += Double.isNaN(g.driverMs()) ? 0 : g.count() * g.driverMs();
      sent += g.count() * g.bytesSent();
      received += g.count() * g.bytesReceived();
    }
    return n == 0 ? new StepMeans(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN)
        : new StepMeans(n, step / n, compute / n, driver / n, sent / n, received / n);
  }

  private static List<RunMetrics.StepGroup> groups(Path runDir) throws IOException {
    Path log = runDir.resolve("metrics.jsonl");
    return RunMetrics.parse(Files.readString(log), log.toString()).steps();
  }
}
