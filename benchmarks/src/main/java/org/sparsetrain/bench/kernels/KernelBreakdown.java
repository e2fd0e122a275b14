package org.sparsetrain.bench.kernels;

import java.util.Arrays;
import java.util.Locale;
import org.sparsetrain.training.nn.Alignment;
import org.sparsetrain.training.nn.Init;
import org.sparsetrain.training.nn.SparseLinear;

/**
 * Where the time of one sparse layer's forward+backward goes (1000×1000, batch 128 by default):
 * forward alone, clearing dx, the weight+bias gradient alone (backward without dx) and the whole
 * backward (with dx), each as ms per call and ns per non-zero, on x, y, delta and dx held from a
 * cache line as {@code Network} holds them ({@link Lined}). A diagnostic for kernel work; the
 * comparison against BLAS is {@link LayerBenchmark}.
 *
 * <p>{@code --variants "name:key=value,key=value;name2:..."} times kernel variants (system
 * properties {@code sparsetrain.kernels.*} read when a layer builds its plan) against each other in
 * this JVM, in interleaved rounds; {@code --check true} first verifies that every variant gives the
 * same bits as the unblocked kernels and as the dense layer on a full mask.
 *
 * <p>{@code --alignment true} times the same layer on the same data held at every 8-byte offset from a
 * 64-byte boundary (x, y, delta and dx alike, as a Java array's data can start), and on data at a
 * 16-byte offset copied to the boundary before each pass (x for the forward, delta for the
 * backward), in interleaved rounds.
 *
 * <pre>
 * KernelBreakdown [--in 1000] [--out 1000] [--batch 128] [--densities 0.1,0.01] [--reps 11]
 *                 [--warmup-ms 800] [--sample-ms 30] [--seed 1] [--variants SPEC] [--rounds 3] [--check false]
 *                 [--alignment false]
 * </pre>
 */
public final class KernelBreakdown {
  private KernelBreakdown() {}

  public static void main(String[] args) {
    int in = 1000;
    int out = 1000;
    int batch = 128;
    double[] densities = {0.1, 0.01};
    int reps = 11;
    long warmupMs = 800;
    long sampleMs = 30;
    long seed = 1;
    String variants = null;
    int rounds = 3;
    boolean check = false;
    boolean alignment = false;
    for (int i = 0; i + 1 < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--in": in = Integer.parseInt(v); break;
        case "--out": out = Integer.parseInt(v); break;
        case "--batch": batch = Integer.parseInt(v); break;
        case "--densities": densities = Arrays.stream(v.split(",")).mapToDouble(Double::parseDouble).toArray(); break;
        case "--reps": reps = Integer.parseInt(v); break;
        case "--warmup-ms": warmupMs = Long.parseLong(v); break;
        case "--sample-ms": sampleMs = Long.parseLong(v); break;
        case "--seed": seed = Long.parseLong(v); break;
        case "--variants": variants = v; break;
        case "--rounds": rounds = Integer.parseInt(v); break;
        case "--check": check = Boolean.parseBoolean(v); break;
        case "--alignment": alignment = Boolean.parseBoolean(v); break;
        default: throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    float[] x = Sampling.gaussian(in * batch, seed + 1);
    float[] delta = Sampling.gaussian(out * batch, seed + 2);
    float[] gB = new float[out];
    if (check) {
      check(variants, seed);
    }
    if (alignment) {
      alignment(in, out, batch, densities, reps, warmupMs, sampleMs, seed, rounds, x, delta);
      return;
    }
    if (variants != null) {
      compare(variants, in, out, batch, densities, reps, warmupMs, sampleMs, seed, rounds, x, delta);
      return;
    }
    Passes p = new Passes(x, delta, in, out, batch);
    for (double d : densities) {
      int nnz = Init.nnzFor(d, in, out);
      SparseLinear sp = Init.sparse(in, out, nnz, seed, 0);
      float[] gW = new float[Math.max(1, nnz)];
      double fwd = time(() -> p.forward(sp), reps, warmupMs, sampleMs);
      double fill = time(p::fill, reps, warmupMs, sampleMs);
      double gw = time(() -> p.weightGradient(sp, gW, gB), reps, warmupMs, sampleMs);
      double bwd = time(() -> p.backward(sp, gW, gB), reps, warmupMs, sampleMs);
      double all = time(() -> {
        p.forward(sp);
        p.fill();
        p.backward(sp, gW, gB);
      }, reps, warmupMs, sampleMs);
      System.out.printf(Locale.ROOT,
          "density %.3f nnz %d | forward %.3f ms (%.2f ns/nnz) | fill dx %.3f ms | weight grad only %.3f ms (%.2f ns/nnz)"
              + " | backward %.3f ms (%.2f ns/nnz) | all %.3f ms (%.2f ns/nnz, %.1f GFLOP/s)%n",
          d, nnz, fwd * 1e3, fwd * 1e9 / nnz, fill * 1e3, gw * 1e3, gw * 1e9 / nnz, bwd * 1e3, bwd * 1e9 / nnz,
          all * 1e3, all * 1e9 / nnz, 6.0 * nnz * batch / all / 1e9);
    }
  }

  private static final String[] KEYS = {"fwdblock", "bwdblock", "gw"};

  private static void apply(String spec) {
    for (String k : KEYS) {
      System.clearProperty("sparsetrain.kernels." + k);
    }
    if (spec.isEmpty()) {
      return;
    }
    for (String kv : spec.split(",")) {
      String[] p = kv.split("=", 2);
      System.setProperty("sparsetrain.kernels." + p[0].trim(), p.length > 1 ? p[1].trim() : "true");
    }
  }

  private static String[][] parse(String variants) {
    String[] vs = variants.split(";");
    String[][] out = new String[vs.length][];
    for (int i = 0; i < vs.length; i++) {
      int c = vs[i].indexOf(':');
      out[i] = new String[] {c < 0 ? vs[i] : vs[i].substring(0, c), c < 0 ? "" : vs[i].substring(c + 1)};
    }
    return out;
  }

  /** Interleaved rounds of every variant; per variant the median over rounds of forward, backward, all. */
  private static void compare(String variants, int in, int out, int batch, double[] densities, int reps, long warmupMs,
                              long sampleMs, long seed, int rounds, float[] x, float[] delta) {
    String[][] vs = parse(variants);
    Passes p = new Passes(x, delta, in, out, batch);
    float[] gB = new float[out];
    for (double d : densities) {
      int nnz = Init.nnzFor(d, in, out);
      SparseLinear[] layers = new SparseLinear[vs.length];
      float[] gW = new float[Math.max(1, nnz)];
      for (int v = 0; v < vs.length; v++) {
        apply(vs[v][1]);
        layers[v] = Init.sparse(in, out, nnz, seed, 0);
        p.forward(layers[v]);   // builds the plan under this variant's properties
        p.backward(layers[v], gW, gB);
      }
      apply("");
      double[][][] t = new double[vs.length][4][rounds];
      for (int round = 0; round < rounds; round++) {
        for (int v = 0; v < vs.length; v++) {
          SparseLinear sp = layers[v];
          apply(vs[v][1]);   // per-call switches (sparsetrain.kernels.gw) are read while timing
          t[v][0][round] = time(() -> p.forward(sp), reps, warmupMs / 2, sampleMs);
          t[v][1][round] = time(() -> {
            p.fill();
            p.backward(sp, gW, gB);
          }, reps, warmupMs / 2, sampleMs);
          t[v][2][round] = time(() -> {
            p.forward(sp);
            p.fill();
            p.backward(sp, gW, gB);
          }, reps, warmupMs / 2, sampleMs);
          t[v][3][round] = time(() -> p.weightGradient(sp, gW, gB), reps, warmupMs / 2, sampleMs);
          apply("");
        }
      }
      for (int v = 0; v < vs.length; v++) {
        double f = median(t[v][0]);
        double b = median(t[v][1]);
        double a = median(t[v][2]);
        double g = median(t[v][3]);
        System.out.printf(Locale.ROOT, "density %.3f %-12s forward %.2f ns/nnz (min %.2f) | fill+backward %.2f ns/nnz (min %.2f)"
                + " | weight grad only %.3f ms = %.2f ns/nnz (min %.2f) | all %.3f ms = %.2f ns/nnz (min %.2f)   [%s]%n",
            d, vs[v][0], f * 1e9 / nnz, min(t[v][0]) * 1e9 / nnz, b * 1e9 / nnz, min(t[v][1]) * 1e9 / nnz,
            g * 1e3, g * 1e9 / nnz, min(t[v][3]) * 1e9 / nnz, a * 1e3, a * 1e9 / nnz, min(t[v][2]) * 1e9 / nnz, vs[v][1]);
      }
    }
  }

  /**
   * Forward, fill+backward and both per call with every array's data at {@code shift} floats past a
   * 64-byte boundary (0, 2, …, 14: the 8 places a Java array's data can start), and "copy": data 4
   * floats past, copied to the boundary of a second array before each pass. A round that sees an
   * array move (a GC) says so.
   */
  private static void alignment(int in, int out, int batch, double[] densities, int reps, long warmupMs, long sampleMs,
                                long seed, int rounds, float[] x, float[] delta) {
    int pad = Alignment.LINE_FLOATS;
    int nx = in * batch;
    int ny = out * batch;
    float[] xs = new float[nx + pad];
    float[] ds = new float[ny + pad];
    float[] xa = new float[nx + pad];
    float[] da = new float[ny + pad];
    float[] ya = new float[ny + pad];
    float[] dxa = new float[nx + pad];
    float[] gB = new float[out];
    // a full collection first, so that the arrays sit in the old generation and stay put
    System.gc();
    String[] names = {"+0 B", "+8 B", "+16 B", "+24 B", "+32 B", "+40 B", "+48 B", "+56 B", "copy +16 B"};
    for (double d : densities) {
      int nnz = Init.nnzFor(d, in, out);
      SparseLinear sp = Init.sparse(in, out, nnz, seed, 0);
      float[] gW = new float[Math.max(1, nnz)];
      double[][][] t = new double[names.length][3][rounds];
      int moved = 0;
      for (int round = 0; round < rounds; round++) {
        for (int v = 0; v < names.length; v++) {
          boolean copy = v == names.length - 1;
          int[] at = new int[4];
          float[][] arrays = {xa, da, ya, dxa};
          for (int i = 0; i < 4; i++) {
            at[i] = (Alignment.offset(arrays[i]) + (copy ? 0 : 2 * v)) % pad;
          }
          int ax = at[0];
          int ad = at[1];
          int ay = at[2];
          int adx = at[3];
          System.arraycopy(x, 0, xa, ax, nx);
          System.arraycopy(delta, 0, da, ad, ny);
          int sx = (Alignment.offset(xs) + 4) % pad;
          int sd = (Alignment.offset(ds) + 4) % pad;
          System.arraycopy(x, 0, xs, sx, nx);
          System.arraycopy(delta, 0, ds, sd, ny);
          Runnable fwd = () -> {
            if (copy) {
              System.arraycopy(xs, sx, xa, ax, nx);
            }
            sp.forward(xa, ax, batch, ya, ay);
          };
          Runnable bwd = () -> {
            if (copy) {
              System.arraycopy(ds, sd, da, ad, ny);
            }
            Arrays.fill(dxa, adx, adx + nx, 0f);
            sp.backward(xa, ax, da, ad, batch, gW, 0, gB, 0, dxa, adx);
          };
          t[v][0][round] = time(fwd, reps, warmupMs / 2, sampleMs);
          t[v][1][round] = time(bwd, reps, warmupMs / 2, sampleMs);
          t[v][2][round] = time(() -> {
            fwd.run();
            bwd.run();
          }, reps, warmupMs / 2, sampleMs);
          for (int i = 0; i < 4; i++) {
            if ((Alignment.offset(arrays[i]) + (copy ? 0 : 2 * v)) % pad != at[i]) {
              moved++;
            }
          }
        }
      }
      for (int v = 0; v < names.length; v++) {
        System.out.printf(Locale.ROOT, "density %.3f batch %d %-11s forward %.2f ns/nnz (min %.2f) | fill+backward %.2f ns/nnz"
                + " (min %.2f) | all %.3f ms (min %.3f)%n",
            d, batch, names[v], median(t[v][0]) * 1e9 / nnz, min(t[v][0]) * 1e9 / nnz, median(t[v][1]) * 1e9 / nnz,
            min(t[v][1]) * 1e9 / nnz, median(t[v][2]) * 1e3, min(t[v][2]) * 1e3);
      }
      System.out.println("# arrays moved during a measurement: " + moved
          + (Alignment.known() ? "" : " (addresses unknown: every offset 0)"));
    }
  }

  /** One layer's passes on x, y, delta and dx held from cache lines. */
  private static final class Passes {
    final Lined x;
    final Lined delta;
    final Lined y;
    final Lined dx;
    final int batch;

    Passes(float[] x, float[] delta, int in, int out, int batch) {
      this.x = new Lined(x);
      this.delta = new Lined(delta);
      this.y = new Lined(out * batch);
      this.dx = new Lined(in * batch);
      this.batch = batch;
    }

    void forward(SparseLinear l) {
      l.forward(x.a, x.off(), batch, y.a, y.off());
    }

    void fill() {
      int o = dx.off();
      Arrays.fill(dx.a, o, dx.a.length - Alignment.LINE_FLOATS + o, 0f);
    }

    void backward(SparseLinear l, float[] gW, float[] gB) {
      l.backward(x.a, x.off(), delta.a, delta.off(), batch, gW, 0, gB, 0, dx.a, dx.off());
    }

    void weightGradient(SparseLinear l, float[] gW, float[] gB) {
      l.backward(x.a, x.off(), delta.a, delta.off(), batch, gW, 0, gB, 0, null, 0);
    }
  }

  private static double min(double[] a) {
    return Arrays.stream(a).min().orElse(Double.NaN);
  }

  private static double median(double[] a) {
    double[] c = a.clone();
    Arrays.sort(c);
    return c[c.length / 2];
  }

  /**
   * Every variant (and the default) against the unblocked kernels (one block each way, per-non-zero
   * reduction) and, on a full mask, sparse against dense: bit for bit, over shapes, densities and
   * batch sizes that give several blocks, partial blocks and partial batch tiles.
   */
  private static void check(String variants, long seed) {
    java.util.List<String> specs = new java.util.ArrayList<>();
    specs.add("");
    if (variants != null) {
      for (String[] v : parse(variants)) {
        if (!v[1].contains("exp=")) {   // experiments that skip work on purpose
          specs.add(v[1]);
        }
      }
    }
    specs.add("fwdblock=16,bwdblock=7");
    specs.add("fwdblock=1,bwdblock=1");
    // the reference: the unblocked kernels
    String ref = "fwdblock=-1,bwdblock=-1";
    int[][] shapes = {{1000, 1000}, {300, 200}, {77, 130}, {130, 77}};
    double[] ds = {1.0, 0.3, 0.1, 0.05, 0.01};
    int[] batches = {128, 256, 200, 144, 37, 16, 32, 48, 64, 112, 80};
    int checked = 0;
    for (int[] sh : shapes) {
      int in = sh[0];
      int out = sh[1];
      for (double d : ds) {
        if (d == 1.0 && in * out > 100_000) {
          continue;
        }
        for (int batch : batches) {
          float[] x = Sampling.gaussian(in * batch, seed + 11);
          float[] delta = Sampling.gaussian(out * batch, seed + 12);
          float[] dx0 = Sampling.gaussian(in * batch, seed + 13);
          int nnz = Init.nnzFor(d, in, out);
          apply(ref);
          SparseLinear r = Init.sparse(in, out, nnz, seed, 0);
          System.arraycopy(Sampling.gaussian(out, seed + 14), 0, r.bias(), 0, out);
          float[][] want = run(r, x, delta, dx0, batch);
          for (String spec : specs) {
            apply(spec);
            SparseLinear s = Init.sparse(in, out, nnz, seed, 0);
            System.arraycopy(r.bias(), 0, s.bias(), 0, out);
            compareBits(want, run(s, x, delta, dx0, batch), spec + " " + in + "x" + out + " d=" + d + " b=" + batch);
            if (d == 1.0) {
              org.sparsetrain.training.nn.DenseLinear de =
                  new org.sparsetrain.training.nn.DenseLinear(in, out, s.toDense(), s.bias().clone());
              compareBits(want, run(de, x, delta, dx0, batch), "dense " + spec + " " + in + "x" + out + " b=" + batch);
            }
            checked++;
          }
        }
      }
    }
    apply("");
    System.out.println("# check: " + checked + " variant runs bit-identical to the unblocked kernels (and dense on full masks)");
  }

  private static float[][] run(org.sparsetrain.training.nn.Layer l, float[] x, float[] delta, float[] dx0, int batch) {
    float[] y = new float[l.outFeatures() * batch];
    float[] gw = Sampling.gaussian(l.nnz(), 99);
    float[] gb = new float[l.outFeatures()];
    float[] dx = dx0.clone();
    l.forward(x, batch, y);
    l.backward(x, delta, batch, gw, 0, gb, 0, dx);
    float[] gw2 = Sampling.gaussian(l.nnz(), 99);
    l.backward(x, delta, batch, gw2, 0, gb, 0, null);
    return new float[][] {y, gw, gb, dx, gw2};
  }

  private static void compareBits(float[][] a, float[][] b, String what) {
    String[] names = {"y", "gW", "gB", "dx", "gW (no dx)"};
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < a[i].length; j++) {
        if (Float.floatToRawIntBits(a[i][j]) != Float.floatToRawIntBits(b[i][j])) {
          throw new IllegalStateException(what + ": " + names[i] + "[" + j + "] " + a[i][j] + " != " + b[i][j]);
        }
      }
    }
  }

  /** Median seconds per call by this thread's CPU time. */
  private static double time(Runnable op, int reps, long warmupMs, long sampleMs) {
    return Sampling.time(op, reps, warmupMs, sampleMs, true).median();
  }
}
