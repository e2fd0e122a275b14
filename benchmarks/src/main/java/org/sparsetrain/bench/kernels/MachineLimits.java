package org.sparsetrain.bench.kernels;

import java.util.Locale;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * What one core of this machine does with the Vector API's widest floats, as bounds for the layer
 * kernels ({@link LayerBenchmark}, {@link KernelBreakdown}):
 * <ul>
 *   <li>one FMA chain: ns per dependent FMA (the clock, at the usual 4 cycles of FMA latency);
 *   <li>16 independent FMA chains: FMAs per ns, the FP32 peak in GFLOP/s (BLAS's share of it is the
 *       dense baseline's efficiency).
 * </ul>
 * A probe of the hardware, not of our kernels: it sets no target and asserts nothing. The kernels'
 * own cycles per non-zero with their operands in L1 or L2 come from {@link KernelBreakdown} on
 * small layers ({@code --in 64}: x rows in L1).
 *
 * <pre>
 * MachineLimits [--reps 7] [--warmup-ms 400] [--sample-ms 30]
 * </pre>
 */
public final class MachineLimits {
  private MachineLimits() {}

  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  private static volatile float sink;

  public static void main(String[] args) {
    int reps = 7;
    long warmupMs = 400;
    long sampleMs = 30;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--reps": reps = Integer.parseInt(args[i + 1]); break;
        case "--warmup-ms": warmupMs = Long.parseLong(args[i + 1]); break;
        case "--sample-ms": sampleMs = Long.parseLong(args[i + 1]); break;
        default: throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    int n = 1 << 20;
    double dep = Sampling.time(() -> sink = chain(n), reps, warmupMs, sampleMs, false).median() * 1e9 / n;
    double ghz = 4.0 / dep;
    double wide = Sampling.time(() -> sink = chains16(n), reps, warmupMs, sampleMs, false).median() * 1e9 / n;
    double fmaPerNs = 16.0 / wide;
    System.out.printf(Locale.ROOT, "# java %s, %d x float (%d bit)%n", System.getProperty("java.version"), L,
        S.vectorBitSize());
    System.out.printf(Locale.ROOT, "dependent FMA: %.3f ns (%.2f GHz at 4 cycles of latency)%n", dep, ghz);
    System.out.printf(Locale.ROOT, "16 FMA chains: %.2f FMA/ns = %.2f per cycle, FP32 peak %.0f GFLOP/s%n",
        fmaPerNs, fmaPerNs / ghz, fmaPerNs * 2 * L);
  }

  private static float chain(int n) {
    FloatVector w = FloatVector.broadcast(S, 0.999f);
    FloatVector b = FloatVector.broadcast(S, 0.001f);
    FloatVector a = w;
    for (int i = 0; i < n; i++) {
      a = a.fma(w, b);
    }
    return a.reduceLanes(VectorOperators.ADD);
  }

  private static float chains16(int n) {
    FloatVector w = FloatVector.broadcast(S, 0.999f);
    FloatVector b = FloatVector.broadcast(S, 0.001f);
    FloatVector a0 = w, a1 = w, a2 = w, a3 = w, a4 = w, a5 = w, a6 = w, a7 = w;
    FloatVector a8 = w, a9 = w, a10 = w, a11 = w, a12 = w, a13 = w, a14 = w, a15 = w;
    for (int i = 0; i < n; i++) {
      a0 = a0.fma(w, b); a1 = a1.fma(w, b); a2 = a2.fma(w, b); a3 = a3.fma(w, b);
      a4 = a4.fma(w, b); a5 = a5.fma(w, b); a6 = a6.fma(w, b); a7 = a7.fma(w, b);
      a8 = a8.fma(w, b); a9 = a9.fma(w, b); a10 = a10.fma(w, b); a11 = a11.fma(w, b);
      a12 = a12.fma(w, b); a13 = a13.fma(w, b); a14 = a14.fma(w, b); a15 = a15.fma(w, b);
    }
    return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
        .add(a12).add(a13).add(a14).add(a15).reduceLanes(VectorOperators.ADD);
  }
}
