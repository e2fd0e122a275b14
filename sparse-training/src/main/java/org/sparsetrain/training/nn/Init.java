package org.sparsetrain.training.nn;

import java.util.SplittableRandom;
import org.sparsetrain.training.util.Rng;

/**
 * Initial layers: positions drawn uniformly at random from a seed (selection sampling, Knuth's
 * Algorithm S, which yields positions already in CSR order in one pass), and He/Kaiming normal
 * values on the fan-in of the <em>active</em> connections of each output neuron, so a sparse
 * neuron's pre-activation has the same variance as a dense one's.
 */
public final class Init {
  private Init() {}

  private static final long PURPOSE_MASK = 0x6D61736BL;   // "mask"
  private static final long PURPOSE_VALUES = 0x76616CL;   // "val"

  /** Number of non-zeros for a density over in·out weights (rounded to nearest). */
  public static int nnzFor(double density, int in, int out) {
    if (!(density >= 0 && density <= 1)) {
      throw new IllegalArgumentException("density must be in [0,1], got " + density);
    }
    return (int) Math.round(density * in * (long) out);
  }

  /** A sparse layer with {@code nnz} active positions chosen at random and He-initialised values. */
  public static SparseLinear sparse(int in, int out, int nnz, long seed, int layer) {
    int[][] mask = sparseMask(in, out, nnz, seed, layer);
    int[] rowPtr = mask[0];
    int[] colIdx = mask[1];
    float[] values = heValues(rowPtr, nnz, seed, layer);
    return new SparseLinear(in, out, rowPtr, colIdx, values, new float[out]);
  }

  /**
   * The mask {@link #sparse} draws, without values: {@code {rowPtr, colIdx}} (the sharded mode's
   * driver builds only this; each shard's owner draws its values with {@link #heValues(int[], int, int, int, long, int)}).
   */
  public static int[][] sparseMask(int in, int out, int nnz, long seed, int layer) {
    long total = (long) in * out;
    if (nnz < 0 || nnz > total) {
      throw new IllegalArgumentException("nnz " + nnz + " outside [0, " + total + "] for layer " + layer);
    }
    SplittableRandom r = Rng.of(seed, layer, PURPOSE_MASK);
    int[] rowPtr = new int[out + 1];
    int[] colIdx = new int[nnz];
    int k = 0;
    long needed = nnz;
    for (long p = 0; p < total && needed > 0; p++) {
      long left = total - p;
      if (r.nextDouble() * left < needed) {
        colIdx[k++] = (int) (p % in);
        rowPtr[(int) (p / in) + 1]++;
        needed--;
      }
    }
    for (int i = 0; i < out; i++) {
      rowPtr[i + 1] += rowPtr[i];
    }
    return new int[][] {rowPtr, colIdx};
  }

  /** A dense layer with He-initialised values. */
  public static DenseLinear dense(int in, int out, long seed, int layer) {
    int[] rowPtr = new int[out + 1];
    for (int i = 0; i <= out; i++) {
      rowPtr[i] = i * in;
    }
    return new DenseLinear(in, out, heValues(rowPtr, in * out, seed, layer), new float[out]);
  }

  /** N(0, 2/fan_in(r)) for each stored weight of row r, fan_in = active connections of r. */
  public static float[] heValues(int[] rowPtr, int nnz, long seed, int layer) {
    SplittableRandom r = Rng.of(seed, layer, PURPOSE_VALUES);
    float[] v = new float[nnz];
    for (int row = 0; row + 1 < rowPtr.length; row++) {
      int fan = rowPtr[row + 1] - rowPtr[row];
      double std = fan == 0 ? 0 : Math.sqrt(2.0 / fan);
      for (int k = rowPtr[row]; k < rowPtr[row + 1]; k++) {
        v[k] = (float) (Rng.gaussian(r) * std);
      }
    }
    return v;
  }

  /**
   * Rows [r0, r1) of what {@link #heValues(int[], int, long, int)} draws for the whole layer, bit for
   * bit: the same stream, with the Gaussians of the rows before r0 skipped (O(rowStart(r0)) time,
   * O(rows) memory). {@code rowPtr} is the whole layer's; null for a dense layer of {@code in}
   * columns (row r starts at r·in).
   */
  public static float[] heValues(int[] rowPtr, int in, int r0, int r1, long seed, int layer) {
    SplittableRandom r = Rng.of(seed, layer, PURPOSE_VALUES);
    long k0 = rowPtr == null ? (long) r0 * in : rowPtr[r0];
    long k1 = rowPtr == null ? (long) r1 * in : rowPtr[r1];
    for (long k = 0; k < k0; k++) {
      Rng.skipGaussian(r);
    }
    float[] v = new float[Math.toIntExact(k1 - k0)];
    int i = 0;
    for (int row = r0; row < r1; row++) {
      int fan = rowPtr == null ? in : rowPtr[row + 1] - rowPtr[row];
      double std = fan == 0 ? 0 : Math.sqrt(2.0 / fan);
      for (int k = 0; k < fan; k++) {
        v[i++] = (float) (Rng.gaussian(r) * std);
      }
    }
    return v;
  }
}
