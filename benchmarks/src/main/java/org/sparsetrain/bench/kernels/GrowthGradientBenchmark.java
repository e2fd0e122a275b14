package org.sparsetrain.bench.kernels;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.sparsetrain.training.nn.InactiveBlock;
import org.sparsetrain.training.nn.Init;
import org.sparsetrain.training.nn.SparseLinear;
import org.sparsetrain.training.spark.FixedPoint;

/**
 * JMH: what one row-block task of a RigL mask update costs in one JVM: the rows' inactive positions
 * ({@code structure}: {@link InactiveBlock#of}), the micro-batches' gradients there ({@code gradients}),
 * the same with their exact fixed-point sum ({@code gradientsSummed}: {@link FixedPoint#add}), and the
 * sum's conversion back to floats ({@code toFloat}) — the work of {@code Tasks.Inactive}, without
 * Spark. The default is one task's share of a 1000×1000 layer at 10 % density on 2 cores (500 rows)
 * and the micro-batches of a batch of 128 over 4 virtual shards.
 *
 * <p>{@code main} runs it through JMH (arguments go to JMH, e.g. {@code -p density=0.05 -f 1}) and
 * prints the task's split: fixed-point sums = gradientsSummed − gradients, task = structure +
 * gradientsSummed + toFloat.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:PerMethodTrapLimit=100000", "-Xmx2g"})
public class GrowthGradientBenchmark {
  @Param({"1000"})
  public int in;
  @Param({"1000"})
  public int out;
  @Param({"500"})
  public int rows;
  @Param({"0.1"})
  public double density;
  /** Micro-batch sizes, comma-separated. */
  @Param({"30,35,31,32"})
  public String micro;
  @Param({"1"})
  public long seed;

  private int[] rowPtr;
  private int[] colIdx;
  private int[] lanes;
  private float[][] x;
  private float[][] delta;
  private InactiveBlock block;
  private long[] acc;

  @Setup(Level.Trial)
  public void setUp() {
    if (rows < 1 || rows > out) {
      throw new IllegalArgumentException("rows must be in [1, " + out + "], got " + rows);
    }
    lanes = Arrays.stream(micro.split(",")).mapToInt(Integer::parseInt).toArray();
    SparseLinear layer = Init.sparse(in, out, Init.nnzFor(density, in, out), seed, 0);
    x = new float[lanes.length][];
    delta = new float[lanes.length][];
    for (int m = 0; m < lanes.length; m++) {
      x[m] = Sampling.gaussian(in * lanes[m], seed + 2 * m + 1);
      delta[m] = Sampling.gaussian(out * lanes[m], seed + 2 * m + 2);
      for (int i = 0; i < delta[m].length; i++) {
        delta[m][i] *= 0.01f;
      }
    }
    rowPtr = layer.rowPtr();
    colIdx = layer.colIdx();
    block = InactiveBlock.of(rowPtr, colIdx, in, 0, rows);
    acc = new long[block.count()];
  }

  @Benchmark
  public InactiveBlock structure() {
    return InactiveBlock.of(rowPtr, colIdx, in, 0, rows);
  }

  @Benchmark
  public void gradients(Blackhole bh) {
    block.gradients(x, delta, lanes, (g, at, n) -> bh.consume(g));
  }

  @Benchmark
  public long[] gradientsSummed() {
    block.gradients(x, delta, lanes, (g, at, n) -> FixedPoint.add(g, 0, acc, at, n));
    return acc;
  }

  @Benchmark
  public float[] toFloat() {
    return FixedPoint.toFloat(acc);
  }

  /** Runs the four benchmarks through JMH (arguments go to JMH) and prints the task's split. */
  public static void main(String[] args) throws Exception {
    CommandLineOptions cmd = new CommandLineOptions(args);
    OptionsBuilder opts = new OptionsBuilder();
    opts.parent(cmd);
    if (cmd.getIncludes().isEmpty()) {
      opts.include(GrowthGradientBenchmark.class.getName());
    }
    Map<String, Double> ms = new HashMap<>();
    String params = "";
    for (RunResult r : new Runner(opts.build()).run()) {
      String label = r.getParams().getBenchmark();
      ms.put(label.substring(label.lastIndexOf('.') + 1), r.getPrimaryResult().getScore());
      params = "rows " + r.getParams().getParam("rows") + " of " + r.getParams().getParam("out") + "x"
          + r.getParams().getParam("in") + ", density " + r.getParams().getParam("density") + ", micro-batches "
          + r.getParams().getParam("micro");
    }
    if (ms.keySet().containsAll(java.util.List.of("structure", "gradients", "gradientsSummed", "toFloat"))) {
      System.out.printf(Locale.ROOT, "%n%s: structure %.2f ms | gradients %.2f ms | fixed-point sums %.2f ms | to floats %.2f ms"
              + " | task %.2f ms%n", params, ms.get("structure"), ms.get("gradients"),
          ms.get("gradientsSummed") - ms.get("gradients"), ms.get("toFloat"),
          ms.get("structure") + ms.get("gradientsSummed") + ms.get("toFloat"));
    }
  }
}
