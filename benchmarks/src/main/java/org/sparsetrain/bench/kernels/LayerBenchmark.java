package org.sparsetrain.bench.kernels;

import dev.ludovic.netlib.blas.BLAS;
import java.util.Arrays;
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
import org.sparsetrain.training.nn.DenseLinear;
import org.sparsetrain.training.nn.Init;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.SparseLinear;

/**
 * JMH: forward+backward time of one linear layer (1000×1000, batch 128) for our sparse (CSR) layer
 * at densities 1.0/0.1/0.05/0.01 ({@code sparse}, {@code @Param density}), our dense layer
 * ({@code dense}) and dense sgemm through the BLAS Spark uses ({@code blas}: {@code dev.ludovic.netlib},
 * forward = 1 sgemm, backward = 2 sgemm). All variants accumulate weight gradients like training
 * does; ours also clear dx first, as {@code Network} does, and hold x, y, delta and dx from a cache
 * line of padded arrays, as {@code Network}'s workspace holds a hidden layer's ({@link Lined}; BLAS
 * copies its operands into its own blocks, so it gets plain arrays). The {@code blas} set-up checks
 * the three sgemm calls against our dense layer and fails the run when they disagree.
 *
 * <p>Each benchmark runs in a JVM of its own (JMH forks per benchmark and parameter), so the sparse
 * layer never shares a JVM with the BLAS here; {@link KernelsAfterJavaBlasBenchmark} measures what
 * happens when it does. {@code scripts/bench-layer} runs this class through JMH and prints the ratios
 * table ({@link LayerReport}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:PerMethodTrapLimit=100000", "-Xmx2g"})
public class LayerBenchmark {

  /** The layer's shape and inputs, shared by all variants. */
  @State(Scope.Thread)
  public static class Shape {
    @Param({"1000"})
    public int in;
    @Param({"1000"})
    public int out;
    @Param({"128"})
    public int batch;
    @Param({"1"})
    public long seed;

    float[] x;
    float[] delta;
    Lined xl;
    Lined dl;
    Lined yl;
    Lined dxl;
    float[] gB;

    @Setup(Level.Trial)
    public void setUp() {
      x = Sampling.gaussian(in * batch, seed + 1);
      delta = Sampling.gaussian(out * batch, seed + 2);
      xl = new Lined(x);
      dl = new Lined(delta);
      yl = new Lined(out * batch);
      dxl = new Lined(in * batch);
      gB = new float[out];
    }
  }

  /** Our sparse layer at {@code density}. */
  @State(Scope.Thread)
  public static class Sparse {
    @Param({"1.0", "0.1", "0.05", "0.01"})
    public double density;

    SparseLinear layer;
    float[] gW;

    @Setup(Level.Trial)
    public void setUp(Shape s) {
      int nnz = Init.nnzFor(density, s.in, s.out);
      layer = Init.sparse(s.in, s.out, nnz, s.seed, 0);
      gW = new float[Math.max(1, nnz)];
    }
  }

  /** Our dense layer. */
  @State(Scope.Thread)
  public static class Dense {
    DenseLinear layer;
    float[] gW;

    @Setup(Level.Trial)
    public void setUp(Shape s) {
      layer = Init.dense(s.in, s.out, s.seed, 0);
      gW = new float[s.in * s.out];
    }
  }

  /** The dense layer's weights through netlib's BLAS, checked against our dense layer. */
  @State(Scope.Thread)
  public static class Blas {
    BLAS blas;
    float[] w;
    float[] gW;
    float[] y;
    float[] dx;

    @Setup(Level.Trial)
    public void setUp(Shape s) {
      blas = BLAS.getInstance();
      DenseLinear dense = Init.dense(s.in, s.out, s.seed, 0);
      w = dense.values();
      gW = new float[s.in * s.out];
      y = new float[s.out * s.batch];
      dx = new float[s.in * s.batch];
      double err = blasVsDense(blas, dense, s.x, s.delta, s.batch);
      System.out.printf(Locale.ROOT, "%n# BLAS %s vs our dense layer: max relative difference %.2e%n",
          blas.getClass().getName(), err);
      if (!(err < 1e-3)) {
        throw new IllegalStateException("BLAS and our dense layer disagree (max relative difference " + err
            + "): the benchmark's set-up is wrong");
      }
    }
  }

  @Benchmark
  public void sparse(Shape s, Sparse l, Blackhole bh) {
    pass(l.layer, s, l.gW);
    bh.consume(s.yl.a);
    bh.consume(s.dxl.a);
  }

  @Benchmark
  public void dense(Shape s, Dense l, Blackhole bh) {
    pass(l.layer, s, l.gW);
    bh.consume(s.yl.a);
    bh.consume(s.dxl.a);
  }

  /**
   * Dense sgemm x3. Feature-major activations are row-major (features x batch), i.e. column-major
   * (batch x features) for Fortran BLAS, so: Y^T = X^T W^T, gW^T += X Δ^T, dX^T = Δ^T W.
   */
  @Benchmark
  public void blas(Shape s, Blas b, Blackhole bh) {
    b.blas.sgemm("N", "N", s.batch, s.out, s.in, 1f, s.x, s.batch, b.w, s.in, 0f, b.y, s.batch);
    b.blas.sgemm("T", "N", s.in, s.out, s.batch, 1f, s.x, s.batch, s.delta, s.batch, 1f, b.gW, s.in);
    b.blas.sgemm("N", "T", s.batch, s.in, s.out, 1f, s.delta, s.batch, b.w, s.in, 0f, b.dx, s.batch);
    bh.consume(b.y);
    bh.consume(b.dx);
  }

  /** Forward, dx cleared, backward: a hidden layer's share of a training step. */
  static void pass(Layer layer, Shape s, float[] gW) {
    Lined x = s.xl;
    Lined y = s.yl;
    Lined dx = s.dxl;
    Lined delta = s.dl;
    int dxo = dx.off();
    layer.forward(x.a, x.off(), s.batch, y.a, y.off());
    Arrays.fill(dx.a, dxo, dxo + layer.inFeatures() * s.batch, 0f);
    layer.backward(x.a, x.off(), delta.a, delta.off(), s.batch, gW, 0, s.gB, 0, dx.a, dxo);
  }

  /** Max relative difference between the three sgemm calls and our dense layer (without bias). */
  static double blasVsDense(BLAS blas, DenseLinear dense, float[] x, float[] delta, int batch) {
    int in = dense.inFeatures();
    int out = dense.outFeatures();
    float[] y = new float[out * batch];
    float[] yb = new float[out * batch];
    float[] gw = new float[in * out];
    float[] gwb = new float[in * out];
    float[] dx = new float[in * batch];
    float[] dxb = new float[in * batch];
    DenseLinear noBias = new DenseLinear(in, out, dense.values(), new float[out]);
    noBias.forward(x, batch, y);
    noBias.backward(x, delta, batch, gw, 0, new float[out], 0, dx);
    blas.sgemm("N", "N", batch, out, in, 1f, x, batch, dense.values(), in, 0f, yb, batch);
    blas.sgemm("T", "N", in, out, batch, 1f, x, batch, delta, batch, 1f, gwb, in);
    blas.sgemm("N", "T", batch, in, out, 1f, delta, batch, dense.values(), in, 0f, dxb, batch);
    return Math.max(relErr(y, yb), Math.max(relErr(gw, gwb), relErr(dx, dxb)));
  }

  private static double relErr(float[] a, float[] b) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < a.length; i++) {
      num = Math.max(num, Math.abs(a[i] - b[i]));
      den = Math.max(den, Math.abs(a[i]));
    }
    return num / Math.max(den, 1e-30);
  }
}
