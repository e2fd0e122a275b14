package org.sparsetrain.bench.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.sparsetrain.jobs.report.RunMetrics;

/**
 * The distributed-training benchmark's table ({@code scripts/bench-spark}): one row per finished
 * {@code train} run directory, with samples/s against Spark MLlib's — over the whole run, and over
 * the epochs after the first (start-up and JIT warm-up left out, as MLlib's figure leaves out its
 * warm-up fit; mask updates and evaluations stay in) — the step time after the first epoch split
 * into compute (of which the driver's own training math) and Spark overhead, and the bytes sent and
 * received per step. A one-epoch run
 * leaves out its first {@value #WARM_UP_FRACTION_PERCENT} % of steps instead and has no
 * after-the-first-epoch figure.
 *
 * <pre>
 * java … org.sparsetrain.bench.spark.DistributedTable MLLIB_SAMPLES_PER_S DIR…
 * </pre>
 */
public final class DistributedTable {
  static final int WARM_UP_FRACTION_PERCENT = 10;
  private static final ObjectMapper JSON = new ObjectMapper();

  private DistributedTable() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: DistributedTable MLLIB_SAMPLES_PER_S DIR...");
      System.exit(2);
    }
    double mllib = Double.parseDouble(args[0]);
    System.out.println("| run | samples/s | vs MLlib | samples/s after epoch 1 | vs MLlib | step (ms) | compute (ms) |"
        + " of it on the driver (ms) | collective + Spark overhead | bytes sent / step | bytes received / step | test accuracy |");
    System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    System.out.printf(Locale.ROOT, "| Spark MLlib MultilayerPerceptronClassifier (sigmoid hidden layers) | %,.0f | 1.0× | | | | | | | | | |%n",
        mllib);
    for (int i = 1; i < args.length; i++) {
      System.out.println(row(Path.of(args[i]), mllib));
    }
  }

  static String row(Path dir, double mllib) throws IOException {
    JsonNode summary = JSON.readTree(Files.readString(dir.resolve("summary.json")));
    double sps = summary.path("samples_per_second").asDouble();
    double acc = summary.path("test_accuracy").asDouble();
    List<RunMetrics.Epoch> epochs = RunMetrics.parse(Files.readString(dir.resolve("metrics.jsonl")),
        dir.resolve("metrics.jsonl").toString()).epochs();
    String later = "| |";
    long warmUp = StepMeans.lastStep(dir) * WARM_UP_FRACTION_PERCENT / 100;
    if (epochs.size() >= 2) {
      RunMetrics.Epoch first = epochs.get(0);
      RunMetrics.Epoch last = epochs.get(epochs.size() - 1);
      // samples_per_second is the run's figure up to that epoch, so step / rate is its wall time (per sample)
      double rate = (last.step() - first.step()) / (last.step() / last.samplesPerSecond() - first.step() / first.samplesPerSecond());
      later = String.format(Locale.ROOT, "%,.0f | %.1f× |", rate, rate / mllib);
      warmUp = first.step();
    }
    StepMeans m = StepMeans.of(dir, warmUp);
    String name = dir.getFileName().toString();
    if (m.steps() == 0) {
      return String.format(Locale.ROOT, "| %s | %,.0f | %.1f× | %s | | | | | | %.2f %% |", name, sps, sps / mllib, later, 100 * acc);
    }
    boolean spark = !summary.path("distribution_mode").asText().equals("local");
    return String.format(Locale.ROOT, "| %s | %,.0f | %.1f× | %s %.1f | %.1f | %s | %s | %s | %s | %.2f %% |", name, sps,
        sps / mllib, later, m.stepMs(), m.computeMs(), spark ? String.format(Locale.ROOT, "%.2f", m.driverMs()) : "—",
        spark ? String.format(Locale.ROOT, "%.0f %%", 100 * (1 - m.computeMs() / m.stepMs())) : "—",
        spark ? String.format(Locale.ROOT, "%,.0f", m.bytesSent()) : "—",
        spark ? String.format(Locale.ROOT, "%,.0f", m.bytesReceived()) : "—", 100 * acc);
  }
}
