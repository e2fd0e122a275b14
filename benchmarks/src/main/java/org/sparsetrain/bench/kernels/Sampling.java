package org.sparsetrain.bench.kernels;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.SplittableRandom;

/** How the kernel benchmarks time an operation, and their random inputs. */
final class Sampling {
  private Sampling() {}

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** Median and minimum seconds per call. */
  record Timing(double median, double min) {}

  /**
   * Runs {@code op} for at least {@code warmupMs} (and 20 calls), then takes {@code reps} samples of
   * at least {@code sampleMs} each, by wall time or by this thread's CPU time (other processes on
   * shared cores then count less; they still share the caches).
   */
  static Timing time(Runnable op, int reps, long warmupMs, long sampleMs, boolean cpuClock) {
    long start = System.nanoTime();
    int calls = 0;
    while (calls < 20 || System.nanoTime() - start < warmupMs * 1_000_000L) {
      op.run();
      calls++;
    }
    double perCall = (System.nanoTime() - start) / 1e9 / calls;
    int inner = (int) Math.max(1, Math.ceil(sampleMs / 1e3 / perCall));
    double[] samples = new double[reps];
    for (int r = 0; r < reps; r++) {
      long t0 = clock(cpuClock);
      for (int i = 0; i < inner; i++) {
        op.run();
      }
      samples[r] = (clock(cpuClock) - t0) / 1e9 / inner;
    }
    Arrays.sort(samples);
    double median = reps % 2 == 1 ? samples[reps / 2] : 0.5 * (samples[reps / 2 - 1] + samples[reps / 2]);
    return new Timing(median, samples[0]);
  }

  private static long clock(boolean cpu) {
    return cpu ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
  }

  static float[] gaussian(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) r.nextGaussian();
    }
    return a;
  }
}
