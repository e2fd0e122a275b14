package org.sparsetrain.training.nn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.Vector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The inactive positions of rows [r0, r1) of a sparse layer (every {@code r·in + c} that holds no
 * stored entry, row-major, columns ascending) as a structure of their own, so that the dense
 * gradient at exactly those positions, {@code Σ_b delta[r, b]·x[c, b]}, is read out of the block's
 * dense gradient in one pass. What RigL's growth reads, on one JVM and in every Spark task alike
 * (so the distributed trainers' sums of it stay exact). Not thread-safe: it keeps its scratch.
 */
public final class InactiveBlock {
  private final int in;
  private final int r0;
  private final int r1;
  /** Row r's inactive columns are cols[rowPtr[r - r0] .. rowPtr[r - r0 + 1]). */
  private final int[] rowPtr;
  private final int[] cols;
  /** Scratch of the calling thread (a block belongs to one task): x transposed, a chunk of the dense gradient. */
  private float[] xt;
  private float[] dense;

  private InactiveBlock(int in, int r0, int r1, int[] rowPtr, int[] cols) {
    this.in = in;
    this.r0 = r0;
    this.r1 = r1;
    this.rowPtr = rowPtr;
    this.cols = cols;
  }

  /** The block of rows [r0, r1) of the CSR structure (rowPtr, colIdx) of a layer with {@code in} inputs. */
  public static InactiveBlock of(int[] rowPtr, int[] colIdx, int in, int r0, int r1) {
    if (r0 < 0 || r1 < r0 || r1 + 1 > rowPtr.length) {
      throw new IllegalArgumentException("rows [" + r0 + ", " + r1 + ") outside a layer of " + (rowPtr.length - 1) + " rows");
    }
    long count = (long) (r1 - r0) * in - (rowPtr[r1] - rowPtr[r0]);
    if (count > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("row block of " + count + " inactive positions is too large");
    }
    int[] rp = new int[r1 - r0 + 1];
    int[] cols = new int[(int) count];
    int n = 0;
    for (int r = r0; r < r1; r++) {
      int k = rowPtr[r];
      for (int c = 0; c < in; c++) {
        if (k < rowPtr[r + 1] && colIdx[k] == c) {
          k++;
          continue;
        }
        cols[n++] = c;
      }
      rp[r - r0 + 1] = n;
    }
    return new InactiveBlock(in, r0, r1, rp, cols);
  }

  /**
   * Writes the positions {@code r·in + c} of the inactive entries of rows [r0, r1) into {@code out}
   * (ascending; room for at least the block's count) without building the block; returns how many.
   */
  public static int positions(int[] rowPtr, int[] colIdx, int in, int r0, int r1, long[] out) {
    int n = 0;
    for (int r = r0; r < r1; r++) {
      long base = (long) r * in;
      int c = 0;
      for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
        for (int stored = colIdx[k]; c < stored; c++) {
          out[n++] = base + c;
        }
        c++;
      }
      for (; c < in; c++) {
        out[n++] = base + c;
      }
    }
    return n;
  }

  /** Number of inactive positions in the block. */
  public int count() {
    return cols.length;
  }

  /** The positions {@code r·in + c}, ascending. */
  public long[] positions() {
    long[] pos = new long[cols.length];
    for (int r = r0; r < r1; r++) {
      for (int k = rowPtr[r - r0]; k < rowPtr[r - r0 + 1]; k++) {
        pos[k] = (long) r * in + cols[k];
      }
    }
    return pos;
  }

  /** The positions {@code r·in + c} of the inactive entries with these indices (ascending) in {@link #positions()} order. */
  public long[] positionsOf(int[] indices) {
    long[] pos = new long[indices.length];
    int r = r0;
    for (int i = 0; i < indices.length; i++) {
      int k = indices[i];
      while (rowPtr[r - r0 + 1] <= k) {
        r++;
      }
      pos[i] = (long) r * in + cols[k];
    }
    return pos;
  }

  /**
   * Rows of the dense gradient formed at a time: their {@code rows × in} floats (32 KB at 1000
   * inputs) stay in L1 between being formed and read out, where the whole block's dense gradient
   * (2 MB for 500 rows) went to memory and back. A multiple of the tiles' 4 rows.
   */
  private static final int CHUNK_ROWS = 8;

  /** Where {@link #gradients} hands each piece of a micro-batch's gradient. */
  @FunctionalInterface
  public interface Sink {
    /** {@code g[0 .. n)} are the gradients of the block's positions {@code at .. at + n} (in {@link #positions()} order). */
    void accept(float[] g, int at, int n);
  }

  /**
   * {@code out[i] = Σ_b delta[r_i, b]·x[c_i, b]} for the block's positions i (out holds at least
   * {@link #count()} floats), from a layer's input x (in × batch) and output delta (out × batch).
   * The dense gradient is formed a few rows at a time by a register-tiled product over a transposed
   * copy of x (4 rows × 64 columns of sums in registers per pass over the batch), and each chunk's
   * inactive entries are read out while it is in L1. Every sum runs over b = 0, 1, … with a fused
   * multiply-add, in the vector tiles and in the scalar tails alike, so the result does not depend on
   * the tiling, the chunking, the vector width, or which JVM computes it.
   */
  public void gradient(float[] x, float[] delta, int batch, float[] out) {
    if (cols.length == 0) {
      return;
    }
    xt = transpose(x, batch, xt);
    for (int ra = 0; ra < r1 - r0; ra += CHUNK_ROWS) {
      int rb = Math.min(r1 - r0, ra + CHUNK_ROWS);
      formDense(xt, delta, batch, ra, rb);
      readOut(ra, rb, out, rowPtr[ra]);
    }
  }

  /**
   * The gradients of several micro-batches (x[m], delta[m], batch[m]), each exactly as
   * {@link #gradient} gives it, handed to {@code sink} chunk by chunk of rows, every micro-batch in
   * turn within a chunk: a caller that sums them (in fixed point, say) touches its sums of a chunk
   * while they are in cache, instead of one pass over the whole block per micro-batch.
   */
  public void gradients(float[][] x, float[][] delta, int[] batch, Sink sink) {
    if (cols.length == 0) {
      return;
    }
    int m = x.length;
    float[][] t = new float[m][];
    for (int i = 0; i < m; i++) {
      t[i] = transpose(x[i], batch[i], null);
    }
    float[] piece = new float[Math.min(cols.length, CHUNK_ROWS * in)];
    for (int ra = 0; ra < r1 - r0; ra += CHUNK_ROWS) {
      int rb = Math.min(r1 - r0, ra + CHUNK_ROWS);
      int at = rowPtr[ra];
      int n = rowPtr[rb] - at;
      if (n == 0) {
        continue;
      }
      for (int i = 0; i < m; i++) {
        formDense(t[i], delta[i], batch[i], ra, rb);
        readOut(ra, rb, piece, 0);
        sink.accept(piece, at, n);
      }
    }
  }

  /** x (in × batch, feature-major) transposed to batch × in, into {@code into} if it is large enough. */
  private float[] transpose(float[] x, int batch, float[] into) {
    float[] t = into != null && into.length >= in * batch ? into : new float[in * batch];
    for (int c = 0; c < in; c++) {
      for (int b = 0; b < batch; b++) {
        t[b * in + c] = x[c * batch + b];
      }
    }
    return t;
  }

  /** The dense gradient of block rows [ra, rb) (relative to r0) into the scratch, row rr at (rr − ra)·in. */
  private void formDense(float[] xt, float[] delta, int batch, int ra, int rb) {
    int rows = rb - ra;
    if (dense == null) {
      dense = new float[CHUNK_ROWS * in];
    }
    int r = 0;
    int c = 0;
    if (Kernels.VECTOR) {
      int lanes = Vec.S.length();
      int quads = rows / 4 * 4;
      int cv = in / lanes * lanes;
      int c4 = in / (4 * lanes) * 4 * lanes;
      for (; r < quads; r += 4) {
        int d = (r0 + ra + r) * batch;
        for (int c0 = 0; c0 < c4; c0 += 4 * lanes) {
          Vec.tile4x4(xt, in, c0, delta, d, batch, dense, r * in + c0);
        }
        for (int c0 = c4; c0 < cv; c0 += lanes) {
          Vec.tile4x1(xt, in, c0, delta, d, batch, dense, r * in + c0);
        }
      }
      for (int rr = quads; rr < rows; rr++) {
        for (int c0 = 0; c0 < cv; c0 += lanes) {
          Vec.tile1x1(xt, in, c0, delta, (r0 + ra + rr) * batch, batch, dense, rr * in + c0);
        }
      }
      c = cv;
      r = rows;
    }
    // scalar: all of it without the Vector API, else the columns past the last whole vector
    for (int rr = 0; rr < rows; rr++) {
      int d = (r0 + ra + rr) * batch;
      for (int cc = rr < r ? c : 0; cc < in; cc++) {
        float acc = 0f;
        for (int b = 0; b < batch; b++) {
          acc = Math.fma(xt[b * in + cc], delta[d + b], acc);
        }
        dense[rr * in + cc] = acc;
      }
    }
  }

  /** The inactive entries of block rows [ra, rb) from the scratch into out, the first at {@code at}. */
  private void readOut(int ra, int rb, float[] out, int at) {
    int o = at - rowPtr[ra];
    for (int rr = ra; rr < rb; rr++) {
      int base = (rr - ra) * in;
      for (int k = rowPtr[rr]; k < rowPtr[rr + 1]; k++) {
        out[o + k] = dense[base + cols[k]];
      }
    }
  }

  /** The Vector API tiles; referenced only when {@link Kernels#VECTOR} is true. */
  private static final class Vec {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** The vector class, asserted on the loads, broadcasts and stores: see {@code Kernels.Vec.V}. */
    static final Class<? extends Vector<Float>> V = S.vectorType();

    /** dense[o + i·in + j·L + lane] = Σ_b xt[b·in + c0 + j·L + lane]·delta[d + i·batch + b], i, j &lt; 4. */
    static void tile4x4(float[] xt, int in, int c0, float[] delta, int d, int batch, float[] dense, int o) {
      int l = S.length();
      FloatVector a00 = FloatVector.zero(S);
      FloatVector a01 = a00;
      FloatVector a02 = a00;
      FloatVector a03 = a00;
      FloatVector a10 = a00;
      FloatVector a11 = a00;
      FloatVector a12 = a00;
      FloatVector a13 = a00;
      FloatVector a20 = a00;
      FloatVector a21 = a00;
      FloatVector a22 = a00;
      FloatVector a23 = a00;
      FloatVector a30 = a00;
      FloatVector a31 = a00;
      FloatVector a32 = a00;
      FloatVector a33 = a00;
      for (int b = 0; b < batch; b++) {
        int xo = b * in + c0;
        FloatVector x0 = (FloatVector) V.cast(FloatVector.fromArray(S, xt, xo));
        FloatVector x1 = (FloatVector) V.cast(FloatVector.fromArray(S, xt, xo + l));
        FloatVector x2 = (FloatVector) V.cast(FloatVector.fromArray(S, xt, xo + 2 * l));
        FloatVector x3 = (FloatVector) V.cast(FloatVector.fromArray(S, xt, xo + 3 * l));
        FloatVector e0 = (FloatVector) V.cast(FloatVector.broadcast(S, delta[d + b]));
        FloatVector e1 = (FloatVector) V.cast(FloatVector.broadcast(S, delta[d + batch + b]));
        FloatVector e2 = (FloatVector) V.cast(FloatVector.broadcast(S, delta[d + 2 * batch + b]));
        FloatVector e3 = (FloatVector) V.cast(FloatVector.broadcast(S, delta[d + 3 * batch + b]));
        a00 = x0.fma(e0, a00);
        a01 = x1.fma(e0, a01);
        a02 = x2.fma(e0, a02);
        a03 = x3.fma(e0, a03);
        a10 = x0.fma(e1, a10);
        a11 = x1.fma(e1, a11);
        a12 = x2.fma(e1, a12);
        a13 = x3.fma(e1, a13);
        a20 = x0.fma(e2, a20);
        a21 = x1.fma(e2, a21);
        a22 = x2.fma(e2, a22);
        a23 = x3.fma(e2, a23);
        a30 = x0.fma(e3, a30);
        a31 = x1.fma(e3, a31);
        a32 = x2.fma(e3, a32);
        a33 = x3.fma(e3, a33);
      }
      ((FloatVector) V.cast(a00)).intoArray(dense, o);
      ((FloatVector) V.cast(a01)).intoArray(dense, o + l);
      ((FloatVector) V.cast(a02)).intoArray(dense, o + 2 * l);
      ((FloatVector) V.cast(a03)).intoArray(dense, o + 3 * l);
      ((FloatVector) V.cast(a10)).intoArray(dense, o + in);
      ((FloatVector) V.cast(a11)).intoArray(dense, o + in + l);
      ((FloatVector) V.cast(a12)).intoArray(dense, o + in + 2 * l);
      ((FloatVector) V.cast(a13)).intoArray(dense, o + in + 3 * l);
      ((FloatVector) V.cast(a20)).intoArray(dense, o + 2 * in);
      ((FloatVector) V.cast(a21)).intoArray(dense, o + 2 * in + l);
      ((FloatVector) V.cast(a22)).intoArray(dense, o + 2 * in + 2 * l);
      ((FloatVector) V.cast(a23)).intoArray(dense, o + 2 * in + 3 * l);
      ((FloatVector) V.cast(a30)).intoArray(dense, o + 3 * in);
      ((FloatVector) V.cast(a31)).intoArray(dense, o + 3 * in + l);
      ((FloatVector) V.cast(a32)).intoArray(dense, o + 3 * in + 2 * l);
      ((FloatVector) V.cast(a33)).intoArray(dense, o + 3 * in + 3 * l);
    }

    /** {@link #tile4x4} for one vector of columns. */
    static void tile4x1(float[] xt, int in, int c0, float[] delta, int d, int batch, float[] dense, int o) {
      FloatVector a0 = FloatVector.zero(S);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      for (int b = 0; b < batch; b++) {
        FloatVector x0 = (FloatVector) V.cast(FloatVector.fromArray(S, xt, b * in + c0));
        a0 = x0.fma(((FloatVector) V.cast(FloatVector.broadcast(S, delta[d + b]))), a0);
        a1 = x0.fma(((FloatVector) V.cast(FloatVector.broadcast(S, delta[d + batch + b]))), a1);
        a2 = x0.fma(((FloatVector) V.cast(FloatVector.broadcast(S, delta[d + 2 * batch + b]))), a2);
        a3 = x0.fma(((FloatVector) V.cast(FloatVector.broadcast(S, delta[d + 3 * batch + b]))), a3);
      }
      ((FloatVector) V.cast(a0)).intoArray(dense, o);
      ((FloatVector) V.cast(a1)).intoArray(dense, o + in);
      ((FloatVector) V.cast(a2)).intoArray(dense, o + 2 * in);
      ((FloatVector) V.cast(a3)).intoArray(dense, o + 3 * in);
    }

    /** {@link #tile4x4} for one row and one vector of columns. */
    static void tile1x1(float[] xt, int in, int c0, float[] delta, int d, int batch, float[] dense, int o) {
      FloatVector a0 = FloatVector.zero(S);
      for (int b = 0; b < batch; b++) {
        a0 = ((FloatVector) V.cast(FloatVector.fromArray(S, xt, b * in + c0))).fma(((FloatVector) V.cast(FloatVector.broadcast(S, delta[d + b]))), a0);
      }
      ((FloatVector) V.cast(a0)).intoArray(dense, o);
    }
  }
}
