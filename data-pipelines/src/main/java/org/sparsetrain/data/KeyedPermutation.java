package org.sparsetrain.data;

import java.io.Serializable;
import org.sparsetrain.training.util.Rng;

/**
 * A pseudo-random permutation of [0, n) keyed by a seed, evaluated one position at a time in O(1)
 * memory: a 4-round Feistel network on the next even power of two, with cycle walking back into
 * range.
 */
final class KeyedPermutation implements Serializable {
  private static final long serialVersionUID = 1L;

  private final long n;
  private final long key;
  private final int halfBits;
  private final long halfMask;

  KeyedPermutation(long n, long key) {
    if (n <= 0) {
      throw new IllegalArgumentException("n must be > 0, got " + n);
    }
    this.n = n;
    this.key = key;
    int bits = Math.max(2, 64 - Long.numberOfLeadingZeros(n - 1));
    this.halfBits = (bits + 1) / 2;
    this.halfMask = (1L << halfBits) - 1;
  }

  /** The image of i, for 0 ≤ i &lt; n. */
  long apply(long i) {
    long x = i;
    do {
      long left = x >>> halfBits;
      long right = x & halfMask;
      for (int round = 0; round < 4; round++) {
        long next = left ^ (Rng.mix(key, round, right) & halfMask);
        left = right;
        right = next;
      }
      x = (left << halfBits) | right;
    } while (x >= n);
    return x;
  }
}
