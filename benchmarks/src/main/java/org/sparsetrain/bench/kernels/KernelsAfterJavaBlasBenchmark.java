package org.sparsetrain.bench.kernels;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.JavaBLAS;
import java.util.Locale;
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
import org.sparsetrain.training.nn.Init;
import org.sparsetrain.training.nn.SparseLinear;

/**
 * JMH: {@link LayerBenchmark}'s sparse pass (1000×1000, batch 128) in a fresh JVM ({@code blasFirst=none})
 * and in a JVM where a BLAS ran sgemm first, before any of our kernels was compiled, as an MLlib stage
 * may have in the executor that then runs our task: {@code java} is netlib's Java BLAS
 * ({@code JavaBLAS.getInstance()}: {@code VectorBLAS} with the Vector API, what netlib falls back to
 * when no native {@code libblas.so.3} is installed), {@code netlib} whatever {@code BLAS.getInstance()}
 * resolves to here (native OpenBLAS when installed). The BLAS runs {@code blasSeconds} of the layer's
 * three sgemm calls in the set-up; the time is the sparse pass alone.
 *
 * <p>The forks run without {@code -XX:PerMethodTrapLimit=100000} ({@code scripts/jvm-flags}), as a JVM
 * started without our flags does (an executor under someone else's spark-submit): with the default
 * limit of 100 the old kernels ran 6–10× slower after the Java BLAS, with the higher limit they did
 * not. {@code -jvmArgsAppend "--add-modules=jdk.incubator.vector -Xmx2g -XX:PerMethodTrapLimit=100000"}
 * measures with it. {@code scripts/bench-layer KernelsAfterJavaBlas} runs it and prints the slowdown
 * per density.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx2g"})
public class KernelsAfterJavaBlasBenchmark {

  @Param({"0.1", "0.01"})
  public double density;
  @Param({"none", "java"})
  public String blasFirst;
  @Param({"3"})
  public double blasSeconds;

  private LayerBenchmark.Shape shape;
  private SparseLinear layer;
  private float[] gW;

  @Setup(Level.Trial)
  public void setUp() {
    shape = new LayerBenchmark.Shape();
    shape.in = 1000;
    shape.out = 1000;
    shape.batch = 128;
    shape.seed = 1;
    shape.setUp();
    if (!blasFirst.equals("none")) {
      runBlas(blasFirst.equals("java") ? JavaBLAS.getInstance() : BLAS.getInstance());
    }
    int nnz = Init.nnzFor(density, shape.in, shape.out);
    layer = Init.sparse(shape.in, shape.out, nnz, shape.seed, 0);
    gW = new float[Math.max(1, nnz)];
  }

  private void runBlas(BLAS blas) {
    int in = shape.in;
    int out = shape.out;
    int b = shape.batch;
    float[] w = Init.dense(in, out, shape.seed, 0).values();
    float[] gw = new float[in * out];
    float[] y = new float[out * b];
    float[] dx = new float[in * b];
    long end = System.nanoTime() + (long) (blasSeconds * 1e9);
    int calls = 0;
    do {
      blas.sgemm("N", "N", b, out, in, 1f, shape.x, b, w, in, 0f, y, b);
      blas.sgemm("T", "N", in, out, b, 1f, shape.x, b, shape.delta, b, 1f, gw, in);
      blas.sgemm("N", "T", b, in, out, 1f, shape.delta, b, w, in, 0f, dx, b);
      calls++;
    } while (System.nanoTime() < end);
    System.out.printf(Locale.ROOT, "%n# before the sparse layer: %d x sgemm x3 through %s%n", calls, blas.getClass().getName());
  }

  @Benchmark
  public void sparse(Blackhole bh) {
    LayerBenchmark.pass(layer, shape, gW);
    bh.consume(shape.yl.a);
    bh.consume(shape.dxl.a);
  }
}
