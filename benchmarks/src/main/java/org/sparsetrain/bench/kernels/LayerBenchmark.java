package org.sparsetrain.bench.kernels;

import dev.ludovic.netlib.blas.BLAS;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.sparsetrain.training.nn.DenseLinear;
import org.sparsetrain.training.nn.Init;
import org.sparsetrain.training.nn.Kernels;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.SparseLinear;

/**
 * Forward+backward time of one linear layer (default 1000×1000, batch 128) for our sparse (CSR)
 * layer at several densities, our dense layer, and dense sgemm through the BLAS Spark uses
 * ({@code dev.ludovic.netlib}: forward = 1 sgemm, backward = 2 sgemm).
 *
 * <p>Method: every variant is warmed up (at least {@code --warmup-ms} and 20 calls) before timing;
 * then {@code --reps} samples are timed, each sample running the operation enough times to last at
 * least {@code --sample-ms}; the per-call median and minimum over the samples are reported. All
 * variants accumulate weight gradients like training does; ours also clear dx first, as
 * {@code Network} does, and hold x, y, delta and dx from a cache line of padded arrays, as
 * {@code Network}'s workspace holds a hidden layer's ({@link Lined}; BLAS copies its operands into
 * its own blocks, so it gets plain arrays).
 *
 * <p>{@code --clock cpu} times samples by this thread's CPU time instead of wall time (BLAS runs
 * single-threaded in the calling thread, so both sides are measured alike): on a machine shared with
 * other processes it leaves out the time this thread waits for a core, though not their cache traffic.
 *
 * <pre>
 * LayerBenchmark [--in 1000] [--out 1000] [--batch 128] [--densities 1.0,0.1,0.05,0.01]
 *                [--reps 15] [--warmup-ms 1500] [--sample-ms 30] [--seed 1] [--clock wall|cpu]
 * </pre>
 */
public final class LayerBenchmark {
  private LayerBenchmark() {}

  public static void main(String[] args) {
    int in = 1000;
    int out = 1000;
    int batch = 128;
    double[] densities = {1.0, 0.1, 0.05, 0.01};
    int reps = 15;
    long warmupMs = 1500;
    long sampleMs = 30;
    long seed = 1;
    boolean cpuClock = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value after " + a);
      }
      String v = args[++i];
      switch (a) {
        case "--in": in = Integer.parseInt(v); break;
        case "--out": out = Integer.parseInt(v); break;
        case "--batch": batch = Integer.parseInt(v); break;
        case "--densities": densities = Arrays.stream(v.split(",")).mapToDouble(Double::parseDouble).toArray(); break;
        case "--reps": reps = Integer.parseInt(v); break;
        case "--warmup-ms": warmupMs = Long.parseLong(v); break;
        case "--sample-ms": sampleMs = Long.parseLong(v); break;
        case "--seed": seed = Long.parseLong(v); break;
        case "--clock":
          if (!v.equals("wall") && !v.equals("cpu")) {
            throw new IllegalArgumentException("--clock must be wall or cpu, got " + v);
          }
          cpuClock = v.equals("cpu");
          break;
        default: throw new IllegalArgumentException("unknown option " + a);
      }
    }
    if (reps < 1) {
      throw new IllegalArgumentException("--reps must be >= 1");
    }

    BLAS blas = BLAS.getInstance();
    String blasName = blas.getClass().getName();
    boolean nativeBlas = blasName.endsWith("JNIBLAS");
    System.out.printf(Locale.ROOT, "# layer benchmark %s: %dx%d, batch %d, %d samples of >= %d ms after >= %d ms warm-up, %s time%n",
        LocalDate.now(), out, in, batch, reps, sampleMs, warmupMs, cpuClock ? "thread CPU" : "wall");
    System.out.printf(Locale.ROOT, "# java %s (%s), vector kernels: %s, OPENBLAS_NUM_THREADS=%s%n",
        System.getProperty("java.version"), System.getProperty("java.vm.name"), Kernels.vectorised() ? Kernels.describe() : "no (scalar)",
        System.getenv("OPENBLAS_NUM_THREADS"));
    System.out.printf(Locale.ROOT, "# BLAS: %s (%s)%n", blasName,
        nativeBlas ? "native, via JNI" : "Java fallback: native BLAS not found (apt-get install -y libopenblas0)");

    float[] x = Sampling.gaussian(in * batch, seed + 1);
    float[] delta = Sampling.gaussian(out * batch, seed + 2);
    float[] gB = new float[out];

    // dense sgemm through BLAS. Feature-major activations are row-major (features x batch), i.e.
    // column-major (batch x features) for Fortran BLAS, so: Y^T = X^T W^T, gW^T += X Δ^T, dX^T = Δ^T W.
    DenseLinear dense = Init.dense(in, out, seed, 0);
    float[] w = dense.values();
    float[] gWblas = new float[in * out];
    float[] yBlas = new float[out * batch];
    float[] dxBlas = new float[in * batch];
    final int fin = in;
    final int fout = out;
    final int fb = batch;
    Runnable blasOp = () -> {
      blas.sgemm("N", "N", fb, fout, fin, 1f, x, fb, w, fin, 0f, yBlas, fb);
      blas.sgemm("T", "N", fin, fout, fb, 1f, x, fb, delta, fb, 1f, gWblas, fin);
      blas.sgemm("N", "T", fb, fin, fout, 1f, delta, fb, w, fin, 0f, dxBlas, fb);
    };
    checkBlasAgainstDense(blas, dense, x, delta, batch);

    Lined xl = new Lined(x);
    Lined dl = new Lined(delta);
    Lined yl = new Lined(out * batch);
    Lined dxl = new Lined(in * batch);
    float[] gWdense = new float[in * out];
    Runnable denseOp = () -> pass(dense, xl, dl, yl, dxl, fb, gWdense, gB);

    Sampling.Timing tBlas = Sampling.time(blasOp, reps, warmupMs, sampleMs, cpuClock);
    Sampling.Timing tDense = Sampling.time(denseOp, reps, warmupMs, sampleMs, cpuClock);
    System.out.printf(Locale.ROOT, "# dense BLAS sgemm x3: median %.3f ms (%.1f GFLOP/s); our dense layer: median %.3f ms (%.1f GFLOP/s)%n",
        tBlas.median() * 1e3, 6.0 * in * out * batch / tBlas.median() / 1e9, tDense.median() * 1e3,
        6.0 * in * out * batch / tDense.median() / 1e9);

    List<String> rows = new ArrayList<>();
    rows.add("| density | nnz | sparse median (ms) | sparse min (ms) | sparse GFLOP/s | our dense median (ms) | BLAS sgemm median (ms) | BLAS min (ms) | BLAS / sparse (median) | BLAS / sparse (min) |");
    rows.add("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (double d : densities) {
      int nnz = Init.nnzFor(d, in, out);
      SparseLinear sparse = Init.sparse(in, out, nnz, seed, 0);
      float[] gW = new float[Math.max(1, nnz)];
      Runnable sparseOp = () -> pass(sparse, xl, dl, yl, dxl, fb, gW, gB);
      Sampling.Timing t = Sampling.time(sparseOp, reps, warmupMs, sampleMs, cpuClock);
      double gflops = 6.0 * nnz * batch / t.median() / 1e9;
      rows.add(String.format(Locale.ROOT, "| %.2f | %d | %.3f | %.3f | %.1f | %.3f | %.3f | %.3f | %.1f× | %.1f× |",
          d, nnz, t.median() * 1e3, t.min() * 1e3, gflops, tDense.median() * 1e3, tBlas.median() * 1e3, tBlas.min() * 1e3,
          tBlas.median() / t.median(), tBlas.min() / t.min()));
      System.out.println(rows.get(rows.size() - 1));
    }
    System.out.println();
    System.out.println("Forward+backward of one " + out + "x" + in + " layer, batch " + batch + " (times per call):");
    System.out.println();
    for (String r : rows) {
      System.out.println(r);
    }
  }

  /** Forward, dx cleared, backward: a hidden layer's share of a training step. */
  private static void pass(Layer layer, Lined x, Lined delta, Lined y, Lined dx, int batch, float[] gW, float[] gB) {
    int dxo = dx.off();
    layer.forward(x.a, x.off(), batch, y.a, y.off());
    Arrays.fill(dx.a, dxo, dxo + layer.inFeatures() * batch, 0f);
    layer.backward(x.a, x.off(), delta.a, delta.off(), batch, gW, 0, gB, 0, dx.a, dxo);
  }

  /** Checks that the three sgemm calls compute what our dense layer computes. */
  private static void checkBlasAgainstDense(BLAS blas, DenseLinear dense, float[] x, float[] delta, int batch) {
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
    double err = Math.max(relErr(y, yb), Math.max(relErr(gw, gwb), relErr(dx, dxb)));
    System.out.printf(Locale.ROOT, "# check: BLAS vs our dense layer, max relative difference %.2e%n", err);
    if (!(err < 1e-3)) {
      throw new IllegalStateException("BLAS and our dense layer disagree (" + err + "): benchmark set-up is wrong");
    }
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
