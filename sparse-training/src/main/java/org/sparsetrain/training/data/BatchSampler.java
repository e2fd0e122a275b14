package org.sparsetrain.training.data;

import java.io.Serializable;
import org.sparsetrain.training.util.Rng;

/**
 * The global mini-batch of every step as a pure function of (seed, epoch, step): epoch e visits the
 * rows in the order of a keyed pseudo-random permutation of [0, n) (a 4-round Feistel network on
 * the next power of two with cycle walking), and step s of the epoch takes positions
 * [s·B, (s+1)·B) of that order. Nothing is stored, so a partition computes its part of any batch
 * in O(B), a retried task draws the same rows, and a resumed run continues the same sequence.
 * An epoch has ⌊n / B⌋ steps; the remainder rows of one epoch's order are seen in other epochs.
 */
public final class BatchSampler implements Serializable {
  private static final long serialVersionUID = 1L;

  private final long rows;
  private final int batchSize;
  private final long seed;
  private final int halfBits;
  private final long halfMask;

  public BatchSampler(long rows, int batchSize, long seed) {
    if (rows <= 0) {
      throw new IllegalArgumentException("the data set is empty");
    }
    if (batchSize <= 0 || batchSize > rows) {
      throw new IllegalArgumentException("training.batch_size must be in [1, " + rows + "] (rows in the training set), got " + batchSize);
    }
    this.rows = rows;
    this.batchSize = batchSize;
    this.seed = seed;
    int bits = Math.max(2, 64 - Long.numberOfLeadingZeros(rows - 1));
    this.halfBits = (bits + 1) / 2;
    this.halfMask = (1L << halfBits) - 1;
  }

  public long rows() { return rows; }
  public int batchSize() { return batchSize; }
  public long seed() { return seed; }

  public long stepsPerEpoch() {
    return rows / batchSize;
  }

  /** Epoch (0-based) of global step t (1-based). */
  public int epochOf(long t) {
    return (int) ((t - 1) / stepsPerEpoch());
  }

  /** Global row id of the j-th example (0 ≤ j &lt; B) of global step t (1-based). */
  public long row(long t, int j) {
    long spe = stepsPerEpoch();
    long epoch = (t - 1) / spe;
    long s = (t - 1) % spe;
    return permute(epoch, s * batchSize + j);
  }

  /** The global batch of step t, in batch order. */
  public long[] batch(long t) {
    long[] b = new long[batchSize];
    for (int j = 0; j < batchSize; j++) {
      b[j] = row(t, j);
    }
    return b;
  }

  /**
   * Local row indices (relative to {@code firstRow}) of the examples of step t that fall in
   * [firstRow, firstRow + count), in batch order; returns how many were written into {@code out}.
   */
  public int localRows(long t, long firstRow, int count, int[] out) {
    return localRows(t, firstRow, count, out, null);
  }

  /** {@link #localRows(long, long, int, int[])}, also writing each example's position j in the batch into {@code positions} (if not null). */
  public int localRows(long t, long firstRow, int count, int[] out, int[] positions) {
    int n = 0;
    for (int j = 0; j < batchSize; j++) {
      long r = row(t, j);
      if (r >= firstRow && r < firstRow + count) {
        if (positions != null) {
          positions[n] = j;
        }
        out[n++] = (int) (r - firstRow);
      }
    }
    return n;
  }

  /** Row at position {@code i mod rows} of epoch e's visiting order (for samplers that walk it their own way). */
  public long rowAt(long epoch, long i) {
    return permute(epoch, Math.floorMod(i, rows));
  }

  /** Position i of epoch e's visiting order. */
  long permute(long epoch, long i) {
    long x = i;
    do {
      x = feistel(epoch, x);
    } while (x >= rows);
    return x;
  }

  private long feistel(long epoch, long x) {
    long left = x >>> halfBits;
    long right = x & halfMask;
    for (int round = 0; round < 4; round++) {
      long f = Rng.mix(seed, epoch, round, right) & halfMask;
      long next = left ^ f;
      left = right;
      right = next;
    }
    return (left << halfBits) | right;
  }
}
