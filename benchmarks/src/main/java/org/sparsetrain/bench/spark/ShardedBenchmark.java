package org.sparsetrain.bench.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.SparkSession;
import org.sparsetrain.jobs.Main;
import org.sparsetrain.jobs.TrainJob;
import org.sparsetrain.jobs.config.JobConfig;
import org.sparsetrain.jobs.config.TrainSetup;
import org.sparsetrain.jobs.engine.SparkEngine;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.spark.DriverMemory;

/**
 * One {@code train} run measured from outside the trainers (issue 9's benchmarks): samples/s, the
 * step time split (compute vs Spark overhead, from {@code metrics.jsonl}), shuffle bytes written per
 * step (a {@link ClusterMeter} listener), the driver's heap peak ({@link DriverHeap}) against the
 * driver-mode estimate ({@link DriverMemory}), and every executor's peak heap. Prints one Markdown
 * table row ({@code scripts/bench-sharded} prints the header and runs one JVM per row).
 *
 * <pre>
 * java … org.sparsetrain.bench.spark.ShardedBenchmark LABEL MASTER OUT_DIR --config FILE.yaml [--set key=value …]
 * java … org.sparsetrain.bench.spark.ShardedBenchmark --header
 * </pre>
 */
public final class ShardedBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Step groups of metrics.jsonl before this step are JIT and cache warm-up, left out of the step times. */
  private static final long WARM_UP_STEPS = 10;

  private ShardedBenchmark() {}

  /** The table header matching {@link #row}. */
  public static final String HEADER = "| run | master | mode | steps | samples/s | step (ms) | compute (ms) | overhead |"
      + " shuffle / step | driver heap peak: after GC / pools | driver-mode estimate | executor heap peaks |\n"
      + "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|";

  public static void main(String[] args) throws IOException {
    if (args.length == 1 && args[0].equals("--header")) {
      System.out.println(HEADER);
      return;
    }
    if (args.length < 3) {
      System.err.println("usage: ShardedBenchmark LABEL MASTER OUT_DIR --config FILE.yaml [--set key=value ...]");
      System.exit(2);
    }
    String label = args[0];
    String master = args[1];
    Path out = Path.of(args[2]);
    String config = null;
    List<String> sets = new ArrayList<>();
    for (int i = 3; i + 1 < args.length; i += 2) {
      if (args[i].equals("--config")) {
        config = args[i + 1];
      } else if (args[i].equals("--set")) {
        sets.add(args[i + 1]);
      } else {
        throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Main.haltOnOutOfMemory();
    JobConfig cfg = JobConfig.load(config, sets);
    SparkSession spark = SparkEngine.session(master, "sparsetrain-bench " + label, Map.of(
        "spark.executor.metrics.pollingInterval", "200ms",
        "spark.executor.processTreeMetrics.enabled", "true"));
    ClusterMeter meter = new ClusterMeter();
    spark.sparkContext().addSparkListener(meter);
    try (DriverHeap heap = DriverHeap.start()) {
      PrintStream console = System.err;
      TrainJob.run(cfg, out.toString(), console);
      Thread.sleep(1000);  // the last task-end events reach the listener bus
      TrainingPlan plan = TrainSetup.plan(cfg, 1000);
      DriverMemory estimate = DriverMemory.of(TrainSetup.model(cfg), plan.method(), plan.optimizer(),
          cfg.getInt("distribution.local_steps"), spark.sparkContext().defaultParallelism(), spark.sparkContext().isLocal());
      System.out.println(row(label, master, cfg.getString("distribution.mode"), out, meter, heap, estimate));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      spark.stop();
    }
  }

  static String row(String label, String master, String mode, Path out, ClusterMeter meter, DriverHeap heap,
                    DriverMemory estimate) throws IOException {
    JsonNode summary = JSON.readTree(out.resolve("summary.json").toFile());
    long steps = summary.get("steps").asLong();
    StepMeans m = StepMeans.of(out, steps > 2 * WARM_UP_STEPS ? WARM_UP_STEPS : 0);
    double stepMs = m.stepMs();
    double computeMs = m.computeMs();
    Map<String, Long> executors = new TreeMap<>(meter.heapPeaks());
    StringBuilder ex = new StringBuilder();
    executors.forEach((id, b) -> ex.append(ex.length() == 0 ? "" : ", ").append(id).append(": ").append(DriverMemory.human(b)));
    return String.format(Locale.ROOT, "| %s | `%s` | %s | %d | %.0f | %.1f | %.1f | %.0f %% | %s | %s / %s | %s | %s |",
        label, master, mode, steps, summary.get("samples_per_second").asDouble(), stepMs, computeMs,
        100 * (stepMs - computeMs) / stepMs, DriverMemory.human(meter.stepShuffleBytes() / Math.max(1, steps - 1)),
        DriverMemory.human(heap.maxAfterGc()), DriverMemory.human(heap.poolPeaks()), DriverMemory.human(estimate.total()),
        executors.isEmpty() ? "(in the driver JVM)" : ex.toString());
  }
}
