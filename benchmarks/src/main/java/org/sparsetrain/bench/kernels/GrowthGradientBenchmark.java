package org.sparsetrain.bench.kernels;

import java.util.Arrays;
import java.util.Locale;
import org.sparsetrain.training.nn.InactiveBlock;
import org.sparsetrain.training.nn.Init;
import org.sparsetrain.training.nn.SparseLinear;
import org.sparsetrain.training.spark.FixedPoint;

/**
 * What one row-block task of a RigL mask update costs in one JVM (by thread CPU time): the rows'
 * inactive positions ({@link InactiveBlock#of}), the micro-batches' gradients there, their exact
 * fixed-point sum ({@link FixedPoint#add}), and its conversion back to floats — the work of
 * {@code Tasks.Inactive}, without Spark. The default is one task's share of a 1000×1000 layer at 10 %
 * density on 2 cores (500 rows) and the micro-batches of a batch of 128 over 4 virtual shards.
 *
 * <pre>
 * GrowthGradientBenchmark [--in 1000] [--out 1000] [--rows 500] [--density 0.1] [--micro 30,35,31,32]
 *                         [--reps 11] [--warmup-ms 1500] [--sample-ms 30] [--seed 1]
 * </pre>
 */
public final class GrowthGradientBenchmark {
  private GrowthGradientBenchmark() {}

  public static void main(String[] args) {
    int in = 1000;
    int out = 1000;
    int rows = 500;
    double density = 0.1;
    int[] micro = {30, 35, 31, 32};
    int reps = 11;
    long warmupMs = 1500;
    long sampleMs = 30;
    long seed = 1;
    for (int i = 0; i + 1 < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--in": in = Integer.parseInt(v); break;
        case "--out": out = Integer.parseInt(v); break;
        case "--rows": rows = Integer.parseInt(v); break;
        case "--density": density = Double.parseDouble(v); break;
        case "--micro": micro = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray(); break;
        case "--reps": reps = Integer.parseInt(v); break;
        case "--warmup-ms": warmupMs = Long.parseLong(v); break;
        case "--sample-ms": sampleMs = Long.parseLong(v); break;
        case "--seed": seed = Long.parseLong(v); break;
        default: throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (rows < 1 || rows > out) {
      throw new IllegalArgumentException("--rows must be in [1, " + out + "], got " + rows);
    }
    SparseLinear layer = Init.sparse(in, out, Init.nnzFor(density, in, out), seed, 0);
    float[][] x = new float[micro.length][];
    float[][] delta = new float[micro.length][];
    for (int m = 0; m < micro.length; m++) {
      x[m] = Sampling.gaussian(in * micro[m], seed + 2 * m + 1);
      delta[m] = Sampling.gaussian(out * micro[m], seed + 2 * m + 2);
      for (int i = 0; i < delta[m].length; i++) {
        delta[m][i] *= 0.01f;
      }
    }
    int r1 = rows;
    int inputs = in;
    int[] lanes = micro;
    int[] rowPtr = layer.rowPtr();
    int[] colIdx = layer.colIdx();
    InactiveBlock block = InactiveBlock.of(rowPtr, colIdx, in, 0, r1);
    long[] acc = new long[block.count()];
    double structure = time(() -> InactiveBlock.of(rowPtr, colIdx, inputs, 0, r1), reps, warmupMs, sampleMs);
    double gradients = time(() -> block.gradients(x, delta, lanes, (g, at, n) -> { }), reps, warmupMs, sampleMs);
    double summed = time(() -> block.gradients(x, delta, lanes, (g, at, n) -> FixedPoint.add(g, 0, acc, at, n)),
        reps, warmupMs, sampleMs);
    double toFloat = time(() -> FixedPoint.toFloat(acc), reps, warmupMs, sampleMs);
    System.out.printf(Locale.ROOT, "%d of %dx%d rows, density %.3f, %d inactive positions, micro-batches %s:"
            + " structure %.2f ms | gradients %.2f ms | fixed-point sums %.2f ms | to floats %.2f ms | task %.2f ms%n",
        rows, out, in, density, block.count(), Arrays.toString(micro), structure * 1e3, gradients * 1e3,
        (summed - gradients) * 1e3, toFloat * 1e3, (structure + summed + toFloat) * 1e3);
  }

  private static double time(Runnable op, int reps, long warmupMs, long sampleMs) {
    return Sampling.time(op, reps, warmupMs, sampleMs, true).median();
  }
}
