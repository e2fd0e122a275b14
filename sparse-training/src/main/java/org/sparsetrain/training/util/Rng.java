package org.sparsetrain.training.util;

import java.util.SplittableRandom;

/**
 * Stateless randomness: every random choice in sparsetrain draws from a generator keyed by the
 * values that identify it (seed, epoch, step, layer, partition, purpose). A retried Spark task or a
 * resumed run therefore draws exactly the same numbers.
 */
public final class Rng {
  private Rng() {}

  /** A generator whose stream depends only on {@code keys}, in order. */
  public static SplittableRandom of(long... keys) {
    return new SplittableRandom(mix(keys));
  }

  /** A 64-bit hash of the keys (SplitMix64 finaliser applied after each key). */
  public static long mix(long... keys) {
    long h = 0x9E3779B97F4A7C15L;
    for (long k : keys) {
      h = splitmix(h ^ splitmix(k + 0x632BE59BD9B4E019L));
    }
    return h;
  }

  static long splitmix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Standard normal deviate from a SplittableRandom (Box–Muller, one value per call). */
  public static double gaussian(SplittableRandom r) {
    double u1 = r.nextDouble();
    while (u1 <= Double.MIN_NORMAL) {
      u1 = r.nextDouble();
    }
    double u2 = r.nextDouble();
    return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
  }

  /** Advances {@code r} exactly as one {@link #gaussian} call does, without computing the deviate. */
  public static void skipGaussian(SplittableRandom r) {
    double u1 = r.nextDouble();
    while (u1 <= Double.MIN_NORMAL) {
      u1 = r.nextDouble();
    }
    r.nextDouble();
  }
}
