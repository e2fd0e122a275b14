package org.sparsetrain.training.nn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.Vector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The inner loops of every layer, on batch-contiguous (feature-major) activations. Uses the JDK
 * Vector API when the {@code jdk.incubator.vector} module is present and falls back to scalar loops
 * otherwise, so the jar runs on any Java 17. All Vector API code lives in the nested class
 * {@code Vec}, which is loaded only when the module is there.
 *
 * <p>The layer kernels keep the batch in registers: a tile of up to 8 vectors (128 floats with
 * AVX-512) of one output row (forward), of one delta row (weight gradient) or of one input row
 * (input gradient, walking the transposed structure) stays in local accumulators while the
 * non-zeros stream past, so each non-zero costs one broadcast and one load + FMA per vector,
 * with no loads and stores of the accumulator. A batch is cut into tiles of 8 vectors, then at most
 * one of 4, one of 2, then single vectors and a scalar tail (batch 64 is one tile of 4, 80 is 4 + 1),
 * so the index loads, broadcasts and reductions are paid once per non-zero and tile.
 *
 * <p>The dense layer runs the very same loops with implicit indices ({@code colIdx == null}), so a
 * sparse layer with a full mask gives bit-identical results.
 */
public final class Kernels {
  private Kernels() {}

  static final boolean VECTOR = vectorAvailable();

  private static boolean vectorAvailable() {
    if (Boolean.getBoolean("sparsetrain.scalar")) {
      return false;
    }
    try {
      if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
        return false;
      }
      return Vec.L > 1;
    } catch (Throwable t) {
      return false;
    }
  }

  /** Whether the Vector API path is in use. */
  public static boolean vectorised() {
    return VECTOR;
  }

  /** "Vector API, 16 x float (512 bit)" or "scalar". */
  public static String describe() {
    return VECTOR ? "Vector API, " + Vec.L + " x float (" + (Vec.L * 32) + " bit)" : "scalar";
  }

  /** y[yo .. yo+n) += a * x[xo .. xo+n). */
  public static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
    int i = VECTOR ? Vec.axpy(a, x, xo, y, yo, n) : 0;
    for (; i < n; i++) {
      y[yo + i] += a * x[xo + i];
    }
  }

  /** Sum over i of x[xo+i] * y[yo+i]. */
  public static float dot(float[] x, int xo, float[] y, int yo, int n) {
    if (VECTOR) {
      return Vec.dot(x, xo, y, yo, n);
    }
    float s = 0f;
    for (int i = 0; i < n; i++) {
      s += x[xo + i] * y[yo + i];
    }
    return s;
  }

  /** Sum of x[xo .. xo+n). */
  public static float sum(float[] x, int xo, int n) {
    if (VECTOR) {
      return Vec.sum(x, xo, n);
    }
    float s = 0f;
    for (int i = 0; i < n; i++) {
      s += x[xo + i];
    }
    return s;
  }

  /** y[i] += x[i] for i in [0, n). */
  public static void add(float[] x, float[] y, int n) {
    axpy(1f, x, 0, y, 0, n);
  }

  // ---------------------------------------------------------------- layer kernels

  /**
   * {@code y[r, :] = bias[r] + Σ_k values[k]·x[col(k), :]} for rows [0, out). CSR structure, or
   * dense row-major ({@code rowPtr == colIdx == null}, row r holds columns 0..in-1 at r·in).
   * Every activation array of the layer kernels holds its data from an offset ({@code xo}, {@code yo},
   * …): {@code x[xo + c·batch + b]}, so that the rows can start on a cache line ({@link Alignment}).
   */
  static void forward(int in, int out, int[] rowPtr, int[] colIdx, float[] values, float[] bias,
                      float[] x, int xo, int batch, float[] y, int yo) {
    if (VECTOR) {
      Vec.forward(in, out, rowPtr, colIdx, values, bias, x, xo, batch, y, yo);
      return;
    }
    for (int r = 0; r < out; r++) {
      int ks = rowPtr == null ? r * in : rowPtr[r];
      int ke = rowPtr == null ? ks + in : rowPtr[r + 1];
      int yr = yo + r * batch;
      float bv = bias[r];
      for (int b = 0; b < batch; b++) {
        y[yr + b] = bv;
      }
      for (int k = ks; k < ke; k++) {
        float w = values[k];
        int xr = xo + (colIdx == null ? k - ks : colIdx[k]) * batch;
        for (int b = 0; b < batch; b++) {
          y[yr + b] += w * x[xr + b];
        }
      }
    }
  }

  /**
   * {@code gW[gwOff + k] += Σ_b delta[row(k), b]·x[col(k), b]} and {@code gB[gbOff + r] += Σ_b delta[r, b]}.
   */
  static void weightGradient(int in, int out, int[] rowPtr, int[] colIdx, float[] x, int xo, float[] delta, int dOff,
                             int batch, float[] gW, int gwOff, float[] gB, int gbOff) {
    if (VECTOR) {
      Vec.weightGradient(in, out, rowPtr, colIdx, x, xo, delta, dOff, batch, gW, gwOff, gB, gbOff);
      return;
    }
    for (int r = 0; r < out; r++) {
      int ks = rowPtr == null ? r * in : rowPtr[r];
      int ke = rowPtr == null ? ks + in : rowPtr[r + 1];
      int d = dOff + r * batch;
      gB[gbOff + r] += sum(delta, d, batch);
      for (int k = ks; k < ke; k++) {
        int xr = xo + (colIdx == null ? k - ks : colIdx[k]) * batch;
        float s = 0f;
        for (int b = 0; b < batch; b++) {
          s += delta[d + b] * x[xr + b];
        }
        gW[gwOff + k] += s;
      }
    }
  }

  /**
   * {@code dx[c, :] += Σ_r W[r, c]·delta[r, :]}, walking the transposed structure: column c holds
   * entries {@code j ∈ [colPtr[c], colPtr[c+1])} with row {@code rows[j]} and value index
   * {@code ks[j]}, rows ascending. Dense: all three null, column c has rows 0..out-1 at r·in + c.
   */
  static void inputGradient(int in, int out, int[] colPtr, int[] rows, int[] ks, float[] values,
                            float[] delta, int dOff, int batch, float[] dx, int dxo) {
    if (VECTOR) {
      Vec.inputGradient(in, out, colPtr, rows, ks, values, delta, dOff, batch, dx, dxo);
      return;
    }
    for (int c = 0; c < in; c++) {
      int js = colPtr == null ? 0 : colPtr[c];
      int je = colPtr == null ? out : colPtr[c + 1];
      int xr = dxo + c * batch;
      for (int j = js; j < je; j++) {
        int r = rows == null ? j : rows[j];
        float w = values[ks == null ? j * in + c : ks[j]];
        int d = dOff + r * batch;
        for (int b = 0; b < batch; b++) {
          dx[xr + b] += w * delta[d + b];
        }
      }
    }
  }

  /**
   * Whether {@link #backward} fuses the two gradients for this batch size (else the separate passes):
   * batches of whole tiles of 8 vectors and at most one tile of 4 (multiples of 64 floats with AVX-512).
   */
  static boolean fusedBackward(int batch) {
    return VECTOR && Vec.BUTTERFLY && batch > 0 && batch % (4 * Vec.L) == 0;
  }

  // ---------------------------------------------------------------- blocked kernels (batch tiles of 8 and 4 vectors)

  /**
   * Cache-blocked views of a layer's structure for the kernels on full batch tiles of 8 vectors
   * (128 floats with AVX-512) and the one tile of 4 vectors that may follow them: the forward pass walks column blocks of {@code fwdBlock} columns so
   * that the block's x rows stay close (L1/L2) while every row's non-zeros of the block stream past
   * (the y row tiles are loaded and stored once per block); the fused backward walks row blocks of
   * {@code bwdBlock} rows so that the block's delta rows stay close while each column's non-zeros of
   * the block stream past (the x and dx row tiles are loaded once per column and block). Blocking
   * changes no result bit: every output still receives its terms in the same order. A dense layer's
   * plan holds no arrays (implicit indices), a sparse layer's is built in O(nnz + blocks·(in+out)).
   */
  static final class Plan {
    final int in;
    final int out;
    final int fwdBlock;
    final int nfb;
    /** Sparse: first k of row r in column block cb at r·(nfb+1)+cb; null for dense. */
    final int[] fptr;
    final int bwdBlock;
    final int nrb;
    /** Sparse: entries of row block rb and column c at [segPtr[rb·in+c], segPtr[rb·in+c+1]); null for dense. */
    final int[] segPtr;
    /** Sparse: entry j of the transposed walk is non-zero ks[j] of row rows[j]; null for dense. */
    final int[] rows;
    final int[] ks;
    /** Sparse: the inverse of ks (non-zero k is entry pos[k] of the walk); null for dense. */
    final int[] pos;
    /** Sparse: the column of non-zero k (the layer's own array); null for dense. */
    private final int[] colIdx;
    /** Sparse: the x row offsets for the batch of the last change of batch (see {@link #xOffsets}). */
    private volatile XOffsets xOffsets;

    private Plan(int in, int out, int fwdBlock, int bwdBlock, int[] fptr, int[] segPtr, int[] rows, int[] ks,
                 int[] colIdx) {
      this.in = in;
      this.out = out;
      this.fwdBlock = fwdBlock;
      this.nfb = (in + fwdBlock - 1) / fwdBlock;
      this.bwdBlock = bwdBlock;
      this.nrb = (out + bwdBlock - 1) / bwdBlock;
      this.fptr = fptr;
      this.segPtr = segPtr;
      this.rows = rows;
      this.ks = ks;
      this.colIdx = colIdx;
      if (ks == null) {
        this.pos = null;
      } else {
        this.pos = new int[ks.length];
        for (int j = 0; j < ks.length; j++) {
          pos[ks[j]] = j;
        }
      }
    }

    /**
     * Where the forward's x row of each non-zero starts in an activation array of {@code batch} lanes
     * per row: {@code offsets[k] = colIdx[k]·batch}. The forward's inner loops add the tile's offset
     * to it instead of multiplying per non-zero (one multiplication and a reload of the batch size
     * fewer per non-zero; the same addresses, so the same bits). Measured at 1000x1000, density 0.1,
     * batch 128, alternating JVMs: forward 0.381 -> 0.360 ms; the transposed walk's delta rows the same
     * way did not gain (0.733 -> 0.752 ms), so the backward multiplies.
     */
    record XOffsets(int batch, int[] offsets) {}

    /** The x offsets for {@code batch}, built on the first call after a change of batch size and
     * kept (training calls a layer at one batch size, evaluation at another now and then); immutable
     * and published through a volatile field, so task threads sharing the layer may race to build it. */
    int[] xOffsets(int batch) {
      XOffsets o = xOffsets;
      if (o == null || o.batch != batch) {
        int[] off = new int[colIdx.length];
        for (int k = 0; k < off.length; k++) {
          off[k] = colIdx[k] * batch;
        }
        o = new XOffsets(batch, off);
        xOffsets = o;
      }
      return o.offsets;
    }

    /** Columns per forward block for a layer of this size and density (in when unblocked). */
    static int fwdBlock(int in, int out, long nnz) {
      int p = Integer.getInteger("sparsetrain.kernels.fwdblock", 0);
      if (p > 0) {
        return Math.min(p, in);
      }
      if (p < 0) {
        return in;
      }
      // 128 x rows of a 128-lane tile are 64 KiB: the block's x rows stay close (L1/L2) while the
      // y row tiles are loaded and stored once per block; worth it only with enough non-zeros per
      // row and block (measured at 1000x1000: a gain at density 0.1, about even at 0.05; 64 and 96
      // columns did a little worse at 0.1)
      double density = (double) nnz / ((double) in * out);
      int c = 128;
      return density * c >= 8.0 ? Math.min(c, in) : in;
    }

    /** Rows per backward block for a layer of this size and density (out when unblocked). */
    static int bwdBlock(int in, int out, long nnz) {
      int p = Integer.getInteger("sparsetrain.kernels.bwdblock", 0);
      if (p > 0) {
        return Math.min(p, out);
      }
      if (p < 0) {
        return out;
      }
      // 256 delta rows of a 128-lane tile are 128 KiB, kept close (L2) while each column's entries of
      // the block stream past (the x and dx row tiles are loaded once per column and block); measured
      // at 1000x1000 with the rows on cache lines, same JVM: 256 rows against 128, backward -3 % at
      // batch 128 and -6 % at batch 64 (densities 0.1 and 0.08); 64 and 512 rows worse; none at 0.05
      double density = (double) nnz / ((double) in * out);
      int r = 256;
      return density >= 0.08 ? Math.min(r, out) : out;
    }

    static Plan dense(int in, int out) {
      long nnz = (long) in * out;
      return new Plan(in, out, fwdBlock(in, out, nnz), bwdBlock(in, out, nnz), null, null, null, null, null);
    }

    static Plan sparse(int in, int out, int[] rowPtr, int[] colIdx) {
      int nnz = colIdx.length;
      int fb = fwdBlock(in, out, nnz);
      int nfb = (in + fb - 1) / fb;
      int[] fptr = new int[out * (nfb + 1)];
      for (int r = 0; r < out; r++) {
        int k = rowPtr[r];
        int q = r * (nfb + 1);
        for (int cb = 0; cb < nfb; cb++) {
          int c0 = cb * fb;
          while (k < rowPtr[r + 1] && colIdx[k] < c0) {
            k++;
          }
          fptr[q + cb] = k;
        }
        fptr[q + nfb] = rowPtr[r + 1];
      }
      int bb = bwdBlock(in, out, nnz);
      int nrb = (out + bb - 1) / bb;
      int[] segPtr = new int[nrb * in + 1];
      for (int r = 0; r < out; r++) {
        int base = (r / bb) * in + 1;
        for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
          segPtr[base + colIdx[k]]++;
        }
      }
      for (int s = 0; s < nrb * in; s++) {
        segPtr[s + 1] += segPtr[s];
      }
      int[] next = java.util.Arrays.copyOf(segPtr, nrb * in);
      int[] rows = new int[nnz];
      int[] ks = new int[nnz];
      for (int r = 0; r < out; r++) {
        int base = (r / bb) * in;
        for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
          int j = next[base + colIdx[k]]++;
          rows[j] = r;
          ks[j] = k;
        }
      }
      return new Plan(in, out, fb, bb, fptr, segPtr, rows, ks, colIdx);
    }
  }

  /** Whether the blocked kernels take the batch's tiles of 8 and 4 vectors (else the plain ones). */
  static boolean blocked(int batch) {
    return VECTOR && Vec.BUTTERFLY && batch >= 4 * Vec.L;
  }

  /**
   * {@link #forward} with the batch tiles of 8 and 4 vectors through the plan's column blocks (one
   * block when unblocked), the loop over rows inside the tile kernel: the same results, without a
   * call per row and tile (measured at 1000x1000, batch 128: forward 6.4 -> 6.1 ns/nnz at density
   * 0.1, 8.1 -> 7.7 at 0.01, same JVM, interleaved).
   */
  static void forward(int in, int out, int[] rowPtr, int[] colIdx, float[] values, float[] bias,
                      float[] x, int xo, int batch, float[] y, int yo, Plan plan) {
    if (plan == null || !blocked(batch)) {
      forward(in, out, rowPtr, colIdx, values, bias, x, xo, batch, y, yo);
      return;
    }
    Vec.forwardBlocked(in, out, rowPtr, colIdx, values, bias, x, xo, batch, y, yo, plan);
  }

  /**
   * {@link #weightGradient} and {@link #inputGradient} in one walk of the transposed structure,
   * by row blocks of the plan (only when {@link #fusedBackward}): column c keeps its x row tile and
   * its dx row tile in registers while the delta rows of its non-zeros in the block stream past, and
   * each delta row, loaded once, feeds both the dx update and the non-zero's dot product with the x
   * row. Bit for bit what the two separate passes give: dx receives its terms in the same order
   * (row blocks ascending, rows ascending within), and each dot product is reduced by the same tree
   * as in {@link #weightGradient}.
   */
  static void backward(int in, int out, float[] values, float[] x, int xo, float[] delta, int dOff, int batch,
                       float[] gW, int gwOff, float[] gB, int gbOff, float[] dx, int dxo, Plan plan) {
    for (int r = 0; r < out; r++) {
      gB[gbOff + r] += sum(delta, dOff + r * batch, batch);
    }
    Vec.backwardBlocked(in, out, values, x, xo, delta, dOff, batch, gW, gwOff, dx, dxo, plan);
  }

  /** The Vector API paths; referenced only when {@link #VECTOR} is true. */
  private static final class Vec {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, S.vectorShape());
    /**
     * The species' vector classes, to assert a vector's exact class where C2 cannot see it:
     * {@code (FloatVector) V.cast(v)}. C2 turns a Vector API call (fma, add, intoArray, …) into the
     * vector instruction only when it knows the vector's exact class. It does not for the results of
     * fromArray and broadcast once a second FloatVector class is loaded, nor for vectors that enter a
     * loop from before it, are carried round it or leave it; there it takes the class from the type
     * profile of the Vector API's shared methods, which is the whole JVM's. netlib's Java BLAS
     * (VectorBLAS) uses SPECIES_MAX, whose class FloatMaxVector is not our SPECIES_PREFERRED's
     * Float512Vector even at the same width: after it ran, those call sites were bimorphic, the
     * intrinsics failed and the vectors were boxed (the sparse layer 4–20× slower, depending on how
     * many calls each side had made). So every load and broadcast, every loop-invariant vector at the
     * top of its loop, every accumulator at its store and the reduction stages go through a Class.cast
     * to the constant, final vector class: C2 then knows the class whatever the profile, and the check
     * folds away. Results do not change. To find a site that still depends on the profile: run with
     * -XX:+UnlockDiagnosticVMOptions -XX:CompileCommand=option,org.sparsetrain.training.nn.*::*,PrintInlining
     * after another species ran, and look for "TypeProfile" under our methods.
     */
    static final Class<? extends Vector<Float>> V = S.vectorType();
    static final Class<? extends Vector<Integer>> IV = IS.vectorType();

    static int axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
      int i = 0;
      int bound = S.loopBound(n);
      FloatVector va = (FloatVector) V.cast(FloatVector.broadcast(S, a));
      for (; i < bound; i += L) {
        ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + i))).fma(va, ((FloatVector) V.cast(FloatVector.fromArray(S, y, yo + i)))).intoArray(y, yo + i);
      }
      return i;
    }

    static float dot(float[] x, int xo, float[] y, int yo, int n) {
      int i = 0;
      int bound = S.loopBound(n);
      FloatVector acc = FloatVector.zero(S);
      for (; i < bound; i += L) {
        acc = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + i))).fma(((FloatVector) V.cast(FloatVector.fromArray(S, y, yo + i))), acc);
      }
      float s = ((FloatVector) V.cast(acc)).reduceLanes(VectorOperators.ADD);
      for (; i < n; i++) {
        s += x[xo + i] * y[yo + i];
      }
      return s;
    }

    static float sum(float[] x, int xo, int n) {
      int i = 0;
      int bound = S.loopBound(n);
      FloatVector acc = FloatVector.zero(S);
      for (; i < bound; i += L) {
        acc = ((FloatVector) V.cast(acc)).add(((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + i))));
      }
      float s = ((FloatVector) V.cast(acc)).reduceLanes(VectorOperators.ADD);
      for (; i < n; i++) {
        s += x[xo + i];
      }
      return s;
    }

    // ---- forward: y row tile in registers

    static void forward(int in, int out, int[] rowPtr, int[] colIdx, float[] values, float[] bias,
                        float[] x, int xo, int batch, float[] y, int yo) {
      for (int r = 0; r < out; r++) {
        int ks = rowPtr == null ? r * in : rowPtr[r];
        int ke = rowPtr == null ? ks + in : rowPtr[r + 1];
        int yr = yo + r * batch;
        float bv = bias[r];
        int b = 0;
        for (; b + 8 * L <= batch; b += 8 * L) {
          fwd8(ks, ke, colIdx, values, bv, x, batch, xo + b, y, yr + b);
        }
        if (b + 4 * L <= batch) {
          fwd4(ks, ke, colIdx, values, bv, x, batch, xo + b, y, yr + b);
          b += 4 * L;
        }
        for (; b + 2 * L <= batch; b += 2 * L) {
          fwd2(ks, ke, colIdx, values, bv, x, batch, xo + b, y, yr + b);
        }
        for (; b + L <= batch; b += L) {
          fwd1(ks, ke, colIdx, values, bv, x, batch, xo + b, y, yr + b);
        }
        for (; b < batch; b++) {
          float acc = bv;
          for (int k = ks; k < ke; k++) {
            acc += values[k] * x[xo + (colIdx == null ? k - ks : colIdx[k]) * batch + b];
          }
          y[yr + b] = acc;
        }
      }
    }

    private static void fwd8(int ks, int ke, int[] ci, float[] v, float bv, float[] x, int batch, int xb,
                             float[] y, int yo) {
      FloatVector a0 = (FloatVector) V.cast(FloatVector.broadcast(S, bv));
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      FloatVector a4 = a0;
      FloatVector a5 = a0;
      FloatVector a6 = a0;
      FloatVector a7 = a0;
      for (int k = ks; k < ke; k++) {
        int xo = (ci == null ? k - ks : ci[k]) * batch + xb;
        FloatVector w = (FloatVector) V.cast(FloatVector.broadcast(S, v[k]));
        a0 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo))).fma(w, a0);
        a1 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + L))).fma(w, a1);
        a2 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 2 * L))).fma(w, a2);
        a3 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 3 * L))).fma(w, a3);
        a4 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 4 * L))).fma(w, a4);
        a5 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 5 * L))).fma(w, a5);
        a6 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 6 * L))).fma(w, a6);
        a7 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 7 * L))).fma(w, a7);
      }
      ((FloatVector) V.cast(a0)).intoArray(y, yo);
      ((FloatVector) V.cast(a1)).intoArray(y, yo + L);
      ((FloatVector) V.cast(a2)).intoArray(y, yo + 2 * L);
      ((FloatVector) V.cast(a3)).intoArray(y, yo + 3 * L);
      ((FloatVector) V.cast(a4)).intoArray(y, yo + 4 * L);
      ((FloatVector) V.cast(a5)).intoArray(y, yo + 5 * L);
      ((FloatVector) V.cast(a6)).intoArray(y, yo + 6 * L);
      ((FloatVector) V.cast(a7)).intoArray(y, yo + 7 * L);
    }

    private static void fwd4(int ks, int ke, int[] ci, float[] v, float bv, float[] x, int batch, int xb,
                             float[] y, int yo) {
      FloatVector a0 = (FloatVector) V.cast(FloatVector.broadcast(S, bv));
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      for (int k = ks; k < ke; k++) {
        int xo = (ci == null ? k - ks : ci[k]) * batch + xb;
        FloatVector w = (FloatVector) V.cast(FloatVector.broadcast(S, v[k]));
        a0 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo))).fma(w, a0);
        a1 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + L))).fma(w, a1);
        a2 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 2 * L))).fma(w, a2);
        a3 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 3 * L))).fma(w, a3);
      }
      ((FloatVector) V.cast(a0)).intoArray(y, yo);
      ((FloatVector) V.cast(a1)).intoArray(y, yo + L);
      ((FloatVector) V.cast(a2)).intoArray(y, yo + 2 * L);
      ((FloatVector) V.cast(a3)).intoArray(y, yo + 3 * L);
    }

    private static void fwd2(int ks, int ke, int[] ci, float[] v, float bv, float[] x, int batch, int xb,
                             float[] y, int yo) {
      FloatVector a0 = (FloatVector) V.cast(FloatVector.broadcast(S, bv));
      FloatVector a1 = a0;
      for (int k = ks; k < ke; k++) {
        int xo = (ci == null ? k - ks : ci[k]) * batch + xb;
        FloatVector w = (FloatVector) V.cast(FloatVector.broadcast(S, v[k]));
        a0 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo))).fma(w, a0);
        a1 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + L))).fma(w, a1);
      }
      ((FloatVector) V.cast(a0)).intoArray(y, yo);
      ((FloatVector) V.cast(a1)).intoArray(y, yo + L);
    }

    private static void fwd1(int ks, int ke, int[] ci, float[] v, float bv, float[] x, int batch, int xb,
                             float[] y, int yo) {
      FloatVector a0 = (FloatVector) V.cast(FloatVector.broadcast(S, bv));
      for (int k = ks; k < ke; k++) {
        int xo = (ci == null ? k - ks : ci[k]) * batch + xb;
        a0 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo))).fma(((FloatVector) V.cast(FloatVector.broadcast(S, v[k]))), a0);
      }
      ((FloatVector) V.cast(a0)).intoArray(y, yo);
    }

    // ---- weight gradient: delta row tile in registers, one reduction per non-zero and tile

    static void weightGradient(int in, int out, int[] rowPtr, int[] colIdx, float[] x, int xo, float[] delta, int dOff,
                               int batch, float[] gW, int gwOff, float[] gB, int gbOff) {
      // the kernels' loops store no float[] (scratch and sums are int[] of raw float bits, added into
      // gW after each loop): C2 then hoists the rearranges' shuffle index checks out of the loops
      int[] scr = new int[16 * L];
      int[] sums = new int[Math.max(1, in)];
      for (int r = 0; r < out; r++) {
        int ks = rowPtr == null ? r * in : rowPtr[r];
        int ke = rowPtr == null ? ks + in : rowPtr[r + 1];
        int d = dOff + r * batch;
        gB[gbOff + r] += sum(delta, d, batch);
        int b = 0;
        for (; b + 8 * L <= batch; b += 8 * L) {
          gw8(ks, ke, colIdx, x, batch, xo + b, delta, d + b, scr, sums);
          addSums(gW, gwOff + ks, sums, ke - ks);
        }
        if (b + 4 * L <= batch) {
          gw4(ks, ke, colIdx, x, batch, xo + b, delta, d + b, sums);
          addSums(gW, gwOff + ks, sums, ke - ks);
          b += 4 * L;
        }
        for (; b + 2 * L <= batch; b += 2 * L) {
          gw2(ks, ke, colIdx, x, batch, xo + b, delta, d + b, scr, sums);
          addSums(gW, gwOff + ks, sums, ke - ks);
        }
        for (; b + L <= batch; b += L) {
          gw1(ks, ke, colIdx, x, batch, xo + b, delta, d + b, scr, sums);
          addSums(gW, gwOff + ks, sums, ke - ks);
        }
        if (b < batch) {
          for (int k = ks; k < ke; k++) {
            int xr = xo + (colIdx == null ? k - ks : colIdx[k]) * batch;
            float s = 0f;
            for (int bb = b; bb < batch; bb++) {
              s += delta[d + bb] * x[xr + bb];
            }
            gW[gwOff + k] += s;
          }
        }
      }
    }

    /** gW[o + i] += the float with bits sums[i], for i in [0, n). */
    private static void addSums(float[] gW, int o, int[] sums, int n) {
      int i = 0;
      for (int bound = S.loopBound(n); i < bound; i += L) {
        ((FloatVector) V.cast(FloatVector.fromArray(S, gW, o + i))).add(((IntVector) IV.cast(IntVector.fromArray(IS, sums, i))).reinterpretAsFloats()).intoArray(gW, o + i);
      }
      for (; i < n; i++) {
        gW[o + i] += Float.intBitsToFloat(sums[i]);
      }
    }

    // Butterfly reduction of 16 partial-sum vectors (one per non-zero) into one vector of 16 sums:
    // stage h folds lanes i and i^h, taking lanes with bit h from the second operand, so after the
    // four stages lane l holds the sum of non-zero PERM[l]; INV undoes that permutation.
    private static final boolean BUTTERFLY = L == 16 && !Boolean.getBoolean("sparsetrain.kernels.lanereduce");
    private static final VectorMask<Float> M8 = BUTTERFLY ? VectorMask.fromLong(S, 0xFF00L) : null;
    private static final VectorMask<Float> M4 = BUTTERFLY ? VectorMask.fromLong(S, 0xF0F0L) : null;
    private static final VectorMask<Float> M2 = BUTTERFLY ? VectorMask.fromLong(S, 0xCCCCL) : null;
    private static final VectorMask<Float> M1 = BUTTERFLY ? VectorMask.fromLong(S, 0xAAAAL) : null;
    private static final VectorShuffle<Float> X8 = BUTTERFLY ? VectorShuffle.fromOp(S, i -> i ^ 8) : null;
    private static final VectorShuffle<Float> X4 = BUTTERFLY ? VectorShuffle.fromOp(S, i -> i ^ 4) : null;
    private static final VectorShuffle<Float> X2 = BUTTERFLY ? VectorShuffle.fromOp(S, i -> i ^ 2) : null;
    private static final VectorShuffle<Float> X1 = BUTTERFLY ? VectorShuffle.fromOp(S, i -> i ^ 1) : null;
    // the transposes' lane swaps on raw bits: lanes with bit h set (-1, else 0) and the swap of bit h
    private static final IntVector B8 = BUTTERFLY ? bits(8) : null;
    private static final IntVector B4 = BUTTERFLY ? bits(4) : null;
    private static final IntVector B2 = BUTTERFLY ? bits(2) : null;
    private static final IntVector B1 = BUTTERFLY ? bits(1) : null;
    private static final VectorShuffle<Integer> Y8 = BUTTERFLY ? VectorShuffle.fromOp(IS, i -> i ^ 8) : null;
    private static final VectorShuffle<Integer> Y4 = BUTTERFLY ? VectorShuffle.fromOp(IS, i -> i ^ 4) : null;
    private static final VectorShuffle<Integer> Y2 = BUTTERFLY ? VectorShuffle.fromOp(IS, i -> i ^ 2) : null;
    private static final VectorShuffle<Integer> Y1 = BUTTERFLY ? VectorShuffle.fromOp(IS, i -> i ^ 1) : null;

    private static IntVector bits(int h) {
      int[] a = new int[IS.length()];
      for (int i = 0; i < a.length; i++) {
        a[i] = (i & h) != 0 ? -1 : 0;
      }
      return ((IntVector) IV.cast(IntVector.fromArray(IS, a, 0)));
    }

    private static final VectorShuffle<Float> INV = BUTTERFLY ? inversePermutation() : null;

    /** Lanes l of a and b folded pairwise with l^h; lanes with bit h come from b. */
    private static FloatVector fold(FloatVector a, FloatVector b, VectorMask<Float> m, VectorShuffle<Float> x) {
      return a.blend(b, m).add(b.blend(a, m).rearrange(x));
    }

    private static VectorShuffle<Float> inversePermutation() {
      // feed vector j = all lanes (j+1) and read which non-zero each lane ends up holding
      FloatVector[] v = new FloatVector[16];
      for (int j = 0; j < 16; j++) {
        v[j] = (FloatVector) V.cast(FloatVector.broadcast(S, j + 1));
      }
      FloatVector r = fold(
          fold(fold(fold(v[0], v[1], M8, X8), fold(v[2], v[3], M8, X8), M4, X4),
               fold(fold(v[4], v[5], M8, X8), fold(v[6], v[7], M8, X8), M4, X4), M2, X2),
          fold(fold(fold(v[8], v[9], M8, X8), fold(v[10], v[11], M8, X8), M4, X4),
               fold(fold(v[12], v[13], M8, X8), fold(v[14], v[15], M8, X8), M4, X4), M2, X2), M1, X1);
      float[] lanes = r.toArray();
      int[] inv = new int[16];
      boolean[] seen = new boolean[16];
      for (int l = 0; l < 16; l++) {
        int j = Math.round(lanes[l] / 16f) - 1;
        if (j < 0 || j >= 16 || seen[j] || lanes[l] != 16f * (j + 1)) {
          throw new IllegalStateException("butterfly reduction is not a permutation");
        }
        seen[j] = true;
        inv[j] = l;
      }
      return VectorShuffle.fromArray(S, inv, 0);
    }

    /**
     * Sums of the tile of 4 vectors at b, per non-zero k, to sums[k - ks] (raw float bits): the products
     * in two chains (vectors 0, 2 and 1, 3), added, then the 16 lanes by the butterfly's tree for one
     * vector (lanes i^8, i^4, i^2, i^1), as {@link #gw8} does past its groups and {@link #csc4} for
     * every entry, so the fused backward gives the same sums. One pass per non-zero: measured at
     * batch 64 (1000x1000), grouping 16 non-zeros through the butterfly (gw8's way) or a transpose
     * (gw2's) was slower, 6.2 against 4.8 ns/nnz, as the four loads and FMAs per non-zero already
     * hide the three shuffles of the tree.
     */
    private static void gw4(int ks, int ke, int[] ci, float[] x, int batch, int bx, float[] delta, int d,
                            int[] sums) {
      FloatVector d0 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d));
      FloatVector d1 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + L));
      FloatVector d2 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 2 * L));
      FloatVector d3 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 3 * L));
      for (int k = ks; k < ke; k++) {
        d0 = (FloatVector) V.cast(d0); d1 = (FloatVector) V.cast(d1); d2 = (FloatVector) V.cast(d2); d3 = (FloatVector) V.cast(d3);
        int xo = (ci == null ? k - ks : ci[k]) * batch + bx;
        FloatVector p = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo))).mul(d0);
        FloatVector q = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + L))).mul(d1);
        p = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 2 * L))).fma(d2, p);
        q = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 3 * L))).fma(d3, q);
        p = p.add(q);
        if (BUTTERFLY) {
          p = (FloatVector) V.cast(p.add(p.rearrange(X8)));
          p = (FloatVector) V.cast(p.add(p.rearrange(X4)));
          p = (FloatVector) V.cast(p.add(p.rearrange(X2)));
          sums[k - ks] = Float.floatToRawIntBits(p.lane(0) + p.lane(1));
        } else {
          sums[k - ks] = Float.floatToRawIntBits(p.reduceLanes(VectorOperators.ADD));
        }
      }
    }

    /** Sums of the tile of 8 vectors at b, per non-zero k, to sums[k - ks] (raw float bits). */
    private static void gw8(int ks, int ke, int[] ci, float[] x, int batch, int bx, float[] delta, int d,
                            int[] scr, int[] sums) {
      FloatVector d0 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d));
      FloatVector d1 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + L));
      FloatVector d2 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 2 * L));
      FloatVector d3 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 3 * L));
      FloatVector d4 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 4 * L));
      FloatVector d5 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 5 * L));
      FloatVector d6 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 6 * L));
      FloatVector d7 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 7 * L));
      int k = ks;
      if (BUTTERFLY) {
        // everything inline (no helper calls), or C2 would box the vectors passed between methods
        for (; k + 16 <= ke; k += 16) {
          for (int j = 0; j < 16; j += 2) {
            d0 = (FloatVector) V.cast(d0); d1 = (FloatVector) V.cast(d1); d2 = (FloatVector) V.cast(d2); d3 = (FloatVector) V.cast(d3);
            d4 = (FloatVector) V.cast(d4); d5 = (FloatVector) V.cast(d5); d6 = (FloatVector) V.cast(d6); d7 = (FloatVector) V.cast(d7);
            int xa = (ci == null ? k + j - ks : ci[k + j]) * batch + bx;
            int xb = (ci == null ? k + j + 1 - ks : ci[k + j + 1]) * batch + bx;
            FloatVector pa = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xa))).mul(d0);
            FloatVector qa = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xa + L))).mul(d1);
            FloatVector pb = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xb))).mul(d0);
            FloatVector qb = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xb + L))).mul(d1);
            pa = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xa + 2 * L))).fma(d2, pa);
            qa = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xa + 3 * L))).fma(d3, qa);
            pb = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xb + 2 * L))).fma(d2, pb);
            qb = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xb + 3 * L))).fma(d3, qb);
            pa = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xa + 4 * L))).fma(d4, pa);
            qa = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xa + 5 * L))).fma(d5, qa);
            pb = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xb + 4 * L))).fma(d4, pb);
            qb = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xb + 5 * L))).fma(d5, qb);
            pa = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xa + 6 * L))).fma(d6, pa);
            qa = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xa + 7 * L))).fma(d7, qa);
            pb = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xb + 6 * L))).fma(d6, pb);
            qb = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xb + 7 * L))).fma(d7, qb);
            pa = pa.add(qa);
            pb = pb.add(qb);
            pa.blend(pb, M8).add(pb.blend(pa, M8).rearrange(X8)).reinterpretAsInts().intoArray(scr, j * 8);
          }
          FloatVector s0 = ((IntVector) IV.cast(IntVector.fromArray(IS, scr, 0))).reinterpretAsFloats();
          FloatVector s1 = ((IntVector) IV.cast(IntVector.fromArray(IS, scr, 16))).reinterpretAsFloats();
          FloatVector s2 = ((IntVector) IV.cast(IntVector.fromArray(IS, scr, 32))).reinterpretAsFloats();
          FloatVector s3 = ((IntVector) IV.cast(IntVector.fromArray(IS, scr, 48))).reinterpretAsFloats();
          FloatVector s4 = ((IntVector) IV.cast(IntVector.fromArray(IS, scr, 64))).reinterpretAsFloats();
          FloatVector s5 = ((IntVector) IV.cast(IntVector.fromArray(IS, scr, 80))).reinterpretAsFloats();
          FloatVector s6 = ((IntVector) IV.cast(IntVector.fromArray(IS, scr, 96))).reinterpretAsFloats();
          FloatVector s7 = ((IntVector) IV.cast(IntVector.fromArray(IS, scr, 112))).reinterpretAsFloats();
          FloatVector t0 = s0.blend(s1, M4).add(s1.blend(s0, M4).rearrange(X4));
          FloatVector t1 = s2.blend(s3, M4).add(s3.blend(s2, M4).rearrange(X4));
          FloatVector t2 = s4.blend(s5, M4).add(s5.blend(s4, M4).rearrange(X4));
          FloatVector t3 = s6.blend(s7, M4).add(s7.blend(s6, M4).rearrange(X4));
          FloatVector u0 = t0.blend(t1, M2).add(t1.blend(t0, M2).rearrange(X2));
          FloatVector u1 = t2.blend(t3, M2).add(t3.blend(t2, M2).rearrange(X2));
          FloatVector v = u0.blend(u1, M1).add(u1.blend(u0, M1).rearrange(X1));
          v.rearrange(INV).reinterpretAsInts().intoArray(sums, k - ks);
        }
      }
      for (; k < ke; k++) {
        d0 = (FloatVector) V.cast(d0); d1 = (FloatVector) V.cast(d1); d2 = (FloatVector) V.cast(d2); d3 = (FloatVector) V.cast(d3);
        d4 = (FloatVector) V.cast(d4); d5 = (FloatVector) V.cast(d5); d6 = (FloatVector) V.cast(d6); d7 = (FloatVector) V.cast(d7);
        int xo = (ci == null ? k - ks : ci[k]) * batch + bx;
        FloatVector p = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo))).mul(d0);
        FloatVector q = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + L))).mul(d1);
        p = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 2 * L))).fma(d2, p);
        q = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 3 * L))).fma(d3, q);
        p = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 4 * L))).fma(d4, p);
        q = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 5 * L))).fma(d5, q);
        p = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 6 * L))).fma(d6, p);
        q = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 7 * L))).fma(d7, q);
        p = p.add(q);
        if (BUTTERFLY) {
          // the butterfly's tree for one vector: a sum does not depend on its group of 16
          p = (FloatVector) V.cast(p.add(p.rearrange(X8)));
          p = (FloatVector) V.cast(p.add(p.rearrange(X4)));
          p = (FloatVector) V.cast(p.add(p.rearrange(X2)));
          sums[k - ks] = Float.floatToRawIntBits(p.lane(0) + p.lane(1));
        } else {
          sums[k - ks] = Float.floatToRawIntBits(p.reduceLanes(VectorOperators.ADD));
        }
      }
    }


    // ---- blocked forward: column blocks, y row tile in registers within a block

    static void forwardBlocked(int in, int out, int[] rowPtr, int[] colIdx, float[] values, float[] bias,
                               float[] x, int xo, int batch, float[] y, int yo, Plan p) {
      int full = batch - batch % (8 * L);
      if (batch - full >= 4 * L) {
        full += 4 * L;
      }
      int[] xOff = p.fptr == null ? null : p.xOffsets(batch);
      for (int b = 0; b < full; b += 8 * L) {
        for (int cb = 0; cb < p.nfb; cb++) {
          if (p.fptr == null && b + 8 * L <= full) {
            fwd8rowsDense(cb, p, colIdx, values, bias, x, xo + b, batch, y, yo + b);
          } else if (p.fptr == null) {
            fwd4rowsDense(cb, p, colIdx, values, bias, x, xo + b, batch, y, yo + b);
          } else if (b + 8 * L <= full) {
            fwd8rows(cb, p, xOff, values, bias, x, xo + b, batch, y, yo + b);
          } else {
            fwd4rows(cb, p, xOff, values, bias, x, xo + b, batch, y, yo + b);
          }
        }
      }
      if (full < batch) {
        for (int r = 0; r < out; r++) {
          int ks = rowPtr == null ? r * in : rowPtr[r];
          int ke = rowPtr == null ? ks + in : rowPtr[r + 1];
          int yr = yo + r * batch;
          float bv = bias[r];
          int b = full;
          for (; b + 2 * L <= batch; b += 2 * L) {
            fwd2(ks, ke, colIdx, values, bv, x, batch, xo + b, y, yr + b);
          }
          for (; b + L <= batch; b += L) {
            fwd1(ks, ke, colIdx, values, bv, x, batch, xo + b, y, yr + b);
          }
          for (; b < batch; b++) {
            float acc = bv;
            for (int k = ks; k < ke; k++) {
              acc += values[k] * x[xo + (colIdx == null ? k - ks : colIdx[k]) * batch + b];
            }
            y[yr + b] = acc;
          }
        }
      }
    }

    /**
     * Every row's tile of 8 vectors at b through column block cb: from the bias in the first block,
     * else continuing from the tile in y (rows without non-zeros in the block skipped); the loop over
     * the rows is in here, so no call (arguments, prologue, range checks) is paid per row and block.
     * {@code xOff} holds the x row offsets of the non-zeros for this batch size ({@link Plan#xOffsets}).
     */
    private static void fwd8rows(int cb, Plan p, int[] xOff, float[] v, float[] bias, float[] x, int xb, int batch,
                                 float[] y, int yb) {
      int in = p.in;
      int nfb = p.nfb;
      int[] fptr = p.fptr;
      int c0 = cb * p.fwdBlock;
      int c1 = Math.min(c0 + p.fwdBlock, in);
      boolean first = cb == 0;
      for (int r = 0; r < p.out; r++) {
        int q = r * (nfb + 1) + cb;
        int ks = fptr[q];
        int ke = fptr[q + 1];
        if (!first && ks == ke) {
          continue;
        }
        int yo = yb + r * batch;
        FloatVector a0;
        FloatVector a1;
        FloatVector a2;
        FloatVector a3;
        FloatVector a4;
        FloatVector a5;
        FloatVector a6;
        FloatVector a7;
        if (first) {
          a0 = (FloatVector) V.cast(FloatVector.broadcast(S, bias[r]));
          a1 = a0;
          a2 = a0;
          a3 = a0;
          a4 = a0;
          a5 = a0;
          a6 = a0;
          a7 = a0;
        } else {
          a0 = (FloatVector) V.cast(FloatVector.fromArray(S, y, yo));
          a1 = (FloatVector) V.cast(FloatVector.fromArray(S, y, yo + L));
          a2 = (FloatVector) V.cast(FloatVector.fromArray(S, y, yo + 2 * L));
          a3 = (FloatVector) V.cast(FloatVector.fromArray(S, y, yo + 3 * L));
          a4 = (FloatVector) V.cast(FloatVector.fromArray(S, y, yo + 4 * L));
          a5 = (FloatVector) V.cast(FloatVector.fromArray(S, y, yo + 5 * L));
          a6 = (FloatVector) V.cast(FloatVector.fromArray(S, y, yo + 6 * L));
          a7 = (FloatVector) V.cast(FloatVector.fromArray(S, y, yo + 7 * L));
        }
        for (int k = ks; k < ke; k++) {
          int xo = xOff[k] + xb;
          FloatVector w = (FloatVector) V.cast(FloatVector.broadcast(S, v[k]));
          a0 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo))).fma(w, a0);
          a1 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + L))).fma(w, a1);
          a2 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 2 * L))).fma(w, a2);
          a3 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 3 * L))).fma(w, a3);
          a4 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 4 * L))).fma(w, a4);
          a5 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 5 * L))).fma(w, a5);
          a6 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 6 * L))).fma(w, a6);
          a7 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 7 * L))).fma(w, a7);
        }
        ((FloatVector) V.cast(a0)).intoArray(y, yo);
        ((FloatVector) V.cast(a1)).intoArray(y, yo + L);
        ((FloatVector) V.cast(a2)).intoArray(y, yo + 2 * L);
        ((FloatVector) V.cast(a3)).intoArray(y, yo + 3 * L);
        ((FloatVector) V.cast(a4)).intoArray(y, yo + 4 * L);
        ((FloatVector) V.cast(a5)).intoArray(y, yo + 5 * L);
        ((FloatVector) V.cast(a6)).intoArray(y, yo + 6 * L);
        ((FloatVector) V.cast(a7)).intoArray(y, yo + 7 * L);
      }
    }

    /** {@link #fwd8rows} for a dense layer's plan (implicit indices): a method of its own, so that the
     * dense and sparse loops do not share one profile. */
    private static void fwd8rowsDense(int cb, Plan p, int[] ci, float[] v, float[] bias, float[] x, int xb, int batch,
                                 float[] y, int yb) {
      int in = p.in;
      int nfb = p.nfb;
      int[] fptr = p.fptr;
      int c0 = cb * p.fwdBlock;
      int c1 = Math.min(c0 + p.fwdBlock, in);
      boolean first = cb == 0;
      for (int r = 0; r < p.out; r++) {
        int ks = r * in + c0;
        int ke = r * in + c1;
        if (!first && ks == ke) {
          continue;
        }
        int yo = yb + r * batch;
        FloatVector a0;
        FloatVector a1;
        FloatVector a2;
        FloatVector a3;
        FloatVector a4;
        FloatVector a5;
        FloatVector a6;
        FloatVector a7;
        if (first) {
          a0 = (FloatVector) V.cast(FloatVector.broadcast(S, bias[r]));
          a1 = a0;
          a2 = a0;
          a3 = a0;
          a4 = a0;
          a5 = a0;
          a6 = a0;
          a7 = a0;
        } else {
          a0 = (FloatVector) V.cast(FloatVector.fromArray(S, y, yo));
          a1 = (FloatVector) V.cast(FloatVector.fromArray(S, y, yo + L));
          a2 = (FloatVector) V.cast(FloatVector.fromArray(S, y, yo + 2 * L));
          a3 = (FloatVector) V.cast(FloatVector.fromArray(S, y, yo + 3 * L));
          a4 = (FloatVector) V.cast(FloatVector.fromArray(S, y, yo + 4 * L));
          a5 = (FloatVector) V.cast(FloatVector.fromArray(S, y, yo + 5 * L));
          a6 = (FloatVector) V.cast(FloatVector.fromArray(S, y, yo + 6 * L));
          a7 = (FloatVector) V.cast(FloatVector.fromArray(S, y, yo + 7 * L));
        }
        for (int k = ks; k < ke; k++) {
          int xo = (c0 + k - ks) * batch + xb;
          FloatVector w = (FloatVector) V.cast(FloatVector.broadcast(S, v[k]));
          a0 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo))).fma(w, a0);
          a1 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + L))).fma(w, a1);
          a2 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 2 * L))).fma(w, a2);
          a3 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 3 * L))).fma(w, a3);
          a4 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 4 * L))).fma(w, a4);
          a5 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 5 * L))).fma(w, a5);
          a6 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 6 * L))).fma(w, a6);
          a7 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 7 * L))).fma(w, a7);
        }
        ((FloatVector) V.cast(a0)).intoArray(y, yo);
        ((FloatVector) V.cast(a1)).intoArray(y, yo + L);
        ((FloatVector) V.cast(a2)).intoArray(y, yo + 2 * L);
        ((FloatVector) V.cast(a3)).intoArray(y, yo + 3 * L);
        ((FloatVector) V.cast(a4)).intoArray(y, yo + 4 * L);
        ((FloatVector) V.cast(a5)).intoArray(y, yo + 5 * L);
        ((FloatVector) V.cast(a6)).intoArray(y, yo + 6 * L);
        ((FloatVector) V.cast(a7)).intoArray(y, yo + 7 * L);
      }
    }

    /** {@link #fwd8rows} for the tile of 4 vectors. */
    private static void fwd4rows(int cb, Plan p, int[] xOff, float[] v, float[] bias, float[] x, int xb, int batch,
                                 float[] y, int yb) {
      int in = p.in;
      int nfb = p.nfb;
      int[] fptr = p.fptr;
      int c0 = cb * p.fwdBlock;
      int c1 = Math.min(c0 + p.fwdBlock, in);
      boolean first = cb == 0;
      for (int r = 0; r < p.out; r++) {
        int q = r * (nfb + 1) + cb;
        int ks = fptr[q];
        int ke = fptr[q + 1];
        if (!first && ks == ke) {
          continue;
        }
        int yo = yb + r * batch;
        FloatVector a0;
        FloatVector a1;
        FloatVector a2;
        FloatVector a3;
        if (first) {
          a0 = (FloatVector) V.cast(FloatVector.broadcast(S, bias[r]));
          a1 = a0;
          a2 = a0;
          a3 = a0;
        } else {
          a0 = (FloatVector) V.cast(FloatVector.fromArray(S, y, yo));
          a1 = (FloatVector) V.cast(FloatVector.fromArray(S, y, yo + L));
          a2 = (FloatVector) V.cast(FloatVector.fromArray(S, y, yo + 2 * L));
          a3 = (FloatVector) V.cast(FloatVector.fromArray(S, y, yo + 3 * L));
        }
        for (int k = ks; k < ke; k++) {
          int xo = xOff[k] + xb;
          FloatVector w = (FloatVector) V.cast(FloatVector.broadcast(S, v[k]));
          a0 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo))).fma(w, a0);
          a1 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + L))).fma(w, a1);
          a2 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 2 * L))).fma(w, a2);
          a3 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 3 * L))).fma(w, a3);
        }
        ((FloatVector) V.cast(a0)).intoArray(y, yo);
        ((FloatVector) V.cast(a1)).intoArray(y, yo + L);
        ((FloatVector) V.cast(a2)).intoArray(y, yo + 2 * L);
        ((FloatVector) V.cast(a3)).intoArray(y, yo + 3 * L);
      }
    }

    /** {@link #fwd4rows} for a dense layer's plan (implicit indices): a method of its own, so that the
     * dense and sparse loops do not share one profile. */
    private static void fwd4rowsDense(int cb, Plan p, int[] ci, float[] v, float[] bias, float[] x, int xb, int batch,
                                 float[] y, int yb) {
      int in = p.in;
      int nfb = p.nfb;
      int[] fptr = p.fptr;
      int c0 = cb * p.fwdBlock;
      int c1 = Math.min(c0 + p.fwdBlock, in);
      boolean first = cb == 0;
      for (int r = 0; r < p.out; r++) {
        int ks = r * in + c0;
        int ke = r * in + c1;
        if (!first && ks == ke) {
          continue;
        }
        int yo = yb + r * batch;
        FloatVector a0;
        FloatVector a1;
        FloatVector a2;
        FloatVector a3;
        if (first) {
          a0 = (FloatVector) V.cast(FloatVector.broadcast(S, bias[r]));
          a1 = a0;
          a2 = a0;
          a3 = a0;
        } else {
          a0 = (FloatVector) V.cast(FloatVector.fromArray(S, y, yo));
          a1 = (FloatVector) V.cast(FloatVector.fromArray(S, y, yo + L));
          a2 = (FloatVector) V.cast(FloatVector.fromArray(S, y, yo + 2 * L));
          a3 = (FloatVector) V.cast(FloatVector.fromArray(S, y, yo + 3 * L));
        }
        for (int k = ks; k < ke; k++) {
          int xo = (c0 + k - ks) * batch + xb;
          FloatVector w = (FloatVector) V.cast(FloatVector.broadcast(S, v[k]));
          a0 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo))).fma(w, a0);
          a1 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + L))).fma(w, a1);
          a2 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 2 * L))).fma(w, a2);
          a3 = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + 3 * L))).fma(w, a3);
        }
        ((FloatVector) V.cast(a0)).intoArray(y, yo);
        ((FloatVector) V.cast(a1)).intoArray(y, yo + L);
        ((FloatVector) V.cast(a2)).intoArray(y, yo + 2 * L);
        ((FloatVector) V.cast(a3)).intoArray(y, yo + 3 * L);
      }
    }

    // ---- blocked fused backward: row blocks of the transposed structure

    /**
     * Per thread: the dot products of a sparse layer's fused backward, one per entry of the transposed
     * walk (raw float bits), added into gW in the non-zeros' order after each batch tile. Grown to the
     * largest layer the thread has seen; layers are shared by task threads, so it cannot live in the plan.
     */
    private static final ThreadLocal<int[]> WALK_SUMS = ThreadLocal.withInitial(() -> new int[0]);

    static void backwardBlocked(int in, int out, float[] v, float[] x, int xo, float[] delta, int dOff, int batch,
                                float[] gW, int gwOff, float[] dx, int dxo, Plan p) {
      int bb = p.bwdBlock;
      int nrb = p.nrb;
      int[] segPtr = p.segPtr;
      int[] rows = p.rows;
      int[] ks = p.ks;
      int[] pos = p.pos;
      // sparse: every entry's sum at its place j in the walk, then gW[k] += sums[pos[k]] for k in order
      // (sequential in gW, random reads only); dense: each column's sums at j - js, added after the call
      int[] sums;
      if (pos != null) {
        sums = WALK_SUMS.get();
        if (sums.length < pos.length) {
          sums = new int[pos.length];
          WALK_SUMS.set(sums);
        }
      } else {
        sums = new int[Math.min(bb, out)];
      }
      for (int b = 0; b < batch; b += 8 * L) {
        boolean eight = b + 8 * L <= batch;
        for (int rb = 0; rb < nrb; rb++) {
          int r0 = rb * bb;
          int r1 = Math.min(r0 + bb, out);
          for (int c = 0; c < in; c++) {
            int js;
            int je;
            if (segPtr == null) {
              js = r0;
              je = r1;
            } else {
              js = segPtr[rb * in + c];
              je = segPtr[rb * in + c + 1];
            }
            if (js >= je) {
              continue;
            }
            int so = pos != null ? 0 : -js;
            if (pos == null && eight) {
              csc8Dense(js, je, rows, ks, in, c, v, x, xo + c * batch + b, delta, batch, dOff + b, dx,
                  dxo + c * batch + b, sums, so);
            } else if (pos == null) {
              csc4Dense(js, je, rows, ks, in, c, v, x, xo + c * batch + b, delta, batch, dOff + b, dx,
                  dxo + c * batch + b, sums, so);
            } else if (eight) {
              csc8(js, je, rows, ks, in, c, v, x, xo + c * batch + b, delta, batch, dOff + b, dx, dxo + c * batch + b,
                  sums, so);
            } else {
              // the last tile, of 4 vectors
              csc4(js, je, rows, ks, in, c, v, x, xo + c * batch + b, delta, batch, dOff + b, dx, dxo + c * batch + b,
                  sums, so);
            }
            if (pos == null) {
              for (int j = js; j < je; j++) {
                gW[gwOff + j * in + c] += Float.intBitsToFloat(sums[j - js]);
              }
            }
          }
        }
        if (pos != null) {
          addWalkSums(gW, gwOff, sums, pos);
        }
      }
    }

    /**
     * gW[gwOff + k] += sums[pos[k]] for every non-zero k: the transposed walk's sums into the gradient
     * in the non-zeros' order, 16 at a time by a gather. Each gradient entry receives the same one
     * addition it received when the walk added its sums column by column; sequential stores instead
     * of one random read-modify-write per non-zero (measured at 1000x1000, same JVM, interleaved:
     * the fused backward 8.8-8.9 -> 7.7-7.8 ns per non-zero at density 0.1, batch 128, and 6.0 -> 5.0
     * at batch 64; the whole layer -9 % and -12 %).
     */
    private static void addWalkSums(float[] gW, int gwOff, int[] sums, int[] pos) {
      int n = pos.length;
      int k = 0;
      for (; k + L <= n; k += L) {
        FloatVector g = ((IntVector) IV.cast(IntVector.fromArray(IS, sums, 0, pos, k))).reinterpretAsFloats();
        ((FloatVector) V.cast(FloatVector.fromArray(S, gW, gwOff + k))).add(g).intoArray(gW, gwOff + k);
      }
      for (; k < n; k++) {
        gW[gwOff + k] += Float.intBitsToFloat(sums[pos[k]]);
      }
    }

    // ---- fused backward: x and dx row tiles of one column in registers, transposed structure

    /**
     * {@link #csc8} for a tile of 4 vectors: each entry's dot product with the x row tile is summed by
     * the tree of {@link #gw4}, and the dx tile receives its terms in the order of {@link #dx4}.
     * Groups of 16 entries through the butterfly were slower here too (and boxed the dx accumulators
     * when the group's tail was a call: keep everything inline).
     */
    private static void csc4(int js, int je, int[] rows, int[] ks, int in, int c, float[] v, float[] x, int xr,
                             float[] delta, int batch, int db, float[] dx, int o, int[] sums, int so) {
      FloatVector x0 = (FloatVector) V.cast(FloatVector.fromArray(S, x, xr));
      FloatVector x1 = (FloatVector) V.cast(FloatVector.fromArray(S, x, xr + L));
      FloatVector x2 = (FloatVector) V.cast(FloatVector.fromArray(S, x, xr + 2 * L));
      FloatVector x3 = (FloatVector) V.cast(FloatVector.fromArray(S, x, xr + 3 * L));
      FloatVector a0 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o));
      FloatVector a1 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + L));
      FloatVector a2 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + 2 * L));
      FloatVector a3 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + 3 * L));
      for (int j = js; j < je; j++) {
        x0 = (FloatVector) V.cast(x0); x1 = (FloatVector) V.cast(x1); x2 = (FloatVector) V.cast(x2); x3 = (FloatVector) V.cast(x3);
        int d = rows[j] * batch + db;
        FloatVector w = (FloatVector) V.cast(FloatVector.broadcast(S, v[ks[j]]));
        FloatVector e0 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d));
        FloatVector e1 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + L));
        FloatVector e2 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 2 * L));
        FloatVector e3 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 3 * L));
        FloatVector p = x0.mul(e0);
        FloatVector q = x1.mul(e1);
        a0 = e0.fma(w, a0);
        a1 = e1.fma(w, a1);
        p = x2.fma(e2, p);
        q = x3.fma(e3, q);
        a2 = e2.fma(w, a2);
        a3 = e3.fma(w, a3);
        p = p.add(q);
        p = (FloatVector) V.cast(p.add(p.rearrange(X8)));
        p = (FloatVector) V.cast(p.add(p.rearrange(X4)));
        p = (FloatVector) V.cast(p.add(p.rearrange(X2)));
        sums[so + j] = Float.floatToRawIntBits(p.lane(0) + p.lane(1));
      }
      ((FloatVector) V.cast(a0)).intoArray(dx, o);
      ((FloatVector) V.cast(a1)).intoArray(dx, o + L);
      ((FloatVector) V.cast(a2)).intoArray(dx, o + 2 * L);
      ((FloatVector) V.cast(a3)).intoArray(dx, o + 3 * L);
    }

    /** {@link #csc4} for a dense layer's plan (entry j of column c is row j, value j·in+c): a method
     * of its own, so that the two walks do not share one profile (measured: a dense layer run first
     * left the sparse walk's compiled loop slower). */
    private static void csc4Dense(int js, int je, int[] rows, int[] ks, int in, int c, float[] v, float[] x, int xr,
                             float[] delta, int batch, int db, float[] dx, int o, int[] sums, int so) {
      FloatVector x0 = (FloatVector) V.cast(FloatVector.fromArray(S, x, xr));
      FloatVector x1 = (FloatVector) V.cast(FloatVector.fromArray(S, x, xr + L));
      FloatVector x2 = (FloatVector) V.cast(FloatVector.fromArray(S, x, xr + 2 * L));
      FloatVector x3 = (FloatVector) V.cast(FloatVector.fromArray(S, x, xr + 3 * L));
      FloatVector a0 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o));
      FloatVector a1 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + L));
      FloatVector a2 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + 2 * L));
      FloatVector a3 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + 3 * L));
      for (int j = js; j < je; j++) {
        x0 = (FloatVector) V.cast(x0); x1 = (FloatVector) V.cast(x1); x2 = (FloatVector) V.cast(x2); x3 = (FloatVector) V.cast(x3);
        int d = j * batch + db;
        FloatVector w = (FloatVector) V.cast(FloatVector.broadcast(S, v[j * in + c]));
        FloatVector e0 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d));
        FloatVector e1 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + L));
        FloatVector e2 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 2 * L));
        FloatVector e3 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 3 * L));
        FloatVector p = x0.mul(e0);
        FloatVector q = x1.mul(e1);
        a0 = e0.fma(w, a0);
        a1 = e1.fma(w, a1);
        p = x2.fma(e2, p);
        q = x3.fma(e3, q);
        a2 = e2.fma(w, a2);
        a3 = e3.fma(w, a3);
        p = p.add(q);
        p = (FloatVector) V.cast(p.add(p.rearrange(X8)));
        p = (FloatVector) V.cast(p.add(p.rearrange(X4)));
        p = (FloatVector) V.cast(p.add(p.rearrange(X2)));
        sums[so + j] = Float.floatToRawIntBits(p.lane(0) + p.lane(1));
      }
      ((FloatVector) V.cast(a0)).intoArray(dx, o);
      ((FloatVector) V.cast(a1)).intoArray(dx, o + L);
      ((FloatVector) V.cast(a2)).intoArray(dx, o + 2 * L);
      ((FloatVector) V.cast(a3)).intoArray(dx, o + 3 * L);
    }

    private static void csc8(int js, int je, int[] rows, int[] ks, int in, int c, float[] v, float[] x, int xr,
                             float[] delta, int batch, int db, float[] dx, int o, int[] sums, int so) {
      FloatVector x0 = (FloatVector) V.cast(FloatVector.fromArray(S, x, xr));
      FloatVector x1 = (FloatVector) V.cast(FloatVector.fromArray(S, x, xr + L));
      FloatVector x2 = (FloatVector) V.cast(FloatVector.fromArray(S, x, xr + 2 * L));
      FloatVector x3 = (FloatVector) V.cast(FloatVector.fromArray(S, x, xr + 3 * L));
      FloatVector x4 = (FloatVector) V.cast(FloatVector.fromArray(S, x, xr + 4 * L));
      FloatVector x5 = (FloatVector) V.cast(FloatVector.fromArray(S, x, xr + 5 * L));
      FloatVector x6 = (FloatVector) V.cast(FloatVector.fromArray(S, x, xr + 6 * L));
      FloatVector x7 = (FloatVector) V.cast(FloatVector.fromArray(S, x, xr + 7 * L));
      FloatVector a0 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o));
      FloatVector a1 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + L));
      FloatVector a2 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + 2 * L));
      FloatVector a3 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + 3 * L));
      FloatVector a4 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + 4 * L));
      FloatVector a5 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + 5 * L));
      FloatVector a6 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + 6 * L));
      FloatVector a7 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + 7 * L));
      for (int j = js; j < je; j++) {
        x0 = (FloatVector) V.cast(x0); x1 = (FloatVector) V.cast(x1); x2 = (FloatVector) V.cast(x2); x3 = (FloatVector) V.cast(x3);
        x4 = (FloatVector) V.cast(x4); x5 = (FloatVector) V.cast(x5); x6 = (FloatVector) V.cast(x6); x7 = (FloatVector) V.cast(x7);
        int d = rows[j] * batch + db;
        int k = ks[j];
        FloatVector w = (FloatVector) V.cast(FloatVector.broadcast(S, v[k]));
        FloatVector e0 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d));
        FloatVector e1 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + L));
        FloatVector p = x0.mul(e0);
        FloatVector q = x1.mul(e1);
        a0 = e0.fma(w, a0);
        a1 = e1.fma(w, a1);
        FloatVector e2 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 2 * L));
        FloatVector e3 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 3 * L));
        p = x2.fma(e2, p);
        q = x3.fma(e3, q);
        a2 = e2.fma(w, a2);
        a3 = e3.fma(w, a3);
        FloatVector e4 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 4 * L));
        FloatVector e5 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 5 * L));
        p = x4.fma(e4, p);
        q = x5.fma(e5, q);
        a4 = e4.fma(w, a4);
        a5 = e5.fma(w, a5);
        FloatVector e6 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 6 * L));
        FloatVector e7 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 7 * L));
        p = x6.fma(e6, p);
        q = x7.fma(e7, q);
        a6 = e6.fma(w, a6);
        a7 = e7.fma(w, a7);
        p = p.add(q);
        p = (FloatVector) V.cast(p.add(p.rearrange(X8)));
        p = (FloatVector) V.cast(p.add(p.rearrange(X4)));
        p = (FloatVector) V.cast(p.add(p.rearrange(X2)));
        // the last stage in the vector (lane 0 + lane 1: the same float addition as on the two lanes
        // extracted, which took 7 instructions; measured neutral: within the 5-8 % by which identical
        // copies of this method differ in one JVM) and lane 0's bits to an int[] buffer (into gW after
        // the walk): with no float[] store in this loop, C2 hoists the rearranges' shuffle index checks
        // (it reloads the shuffles' float constants when a float[] store might alias them), about 30
        // instructions per non-zero
        p = (FloatVector) V.cast(p.add(p.rearrange(X1)));
        sums[so + j] = ((IntVector) IV.cast(p.reinterpretAsInts())).lane(0);
      }
      ((FloatVector) V.cast(a0)).intoArray(dx, o);
      ((FloatVector) V.cast(a1)).intoArray(dx, o + L);
      ((FloatVector) V.cast(a2)).intoArray(dx, o + 2 * L);
      ((FloatVector) V.cast(a3)).intoArray(dx, o + 3 * L);
      ((FloatVector) V.cast(a4)).intoArray(dx, o + 4 * L);
      ((FloatVector) V.cast(a5)).intoArray(dx, o + 5 * L);
      ((FloatVector) V.cast(a6)).intoArray(dx, o + 6 * L);
      ((FloatVector) V.cast(a7)).intoArray(dx, o + 7 * L);
    }

    /** {@link #csc8} for a dense layer's plan (entry j of column c is row j, value j·in+c): a method
     * of its own, so that the two walks do not share one profile (measured: a dense layer run first
     * left the sparse walk's compiled loop slower). */
    private static void csc8Dense(int js, int je, int[] rows, int[] ks, int in, int c, float[] v, float[] x, int xr,
                             float[] delta, int batch, int db, float[] dx, int o, int[] sums, int so) {
      FloatVector x0 = (FloatVector) V.cast(FloatVector.fromArray(S, x, xr));
      FloatVector x1 = (FloatVector) V.cast(FloatVector.fromArray(S, x, xr + L));
      FloatVector x2 = (FloatVector) V.cast(FloatVector.fromArray(S, x, xr + 2 * L));
      FloatVector x3 = (FloatVector) V.cast(FloatVector.fromArray(S, x, xr + 3 * L));
      FloatVector x4 = (FloatVector) V.cast(FloatVector.fromArray(S, x, xr + 4 * L));
      FloatVector x5 = (FloatVector) V.cast(FloatVector.fromArray(S, x, xr + 5 * L));
      FloatVector x6 = (FloatVector) V.cast(FloatVector.fromArray(S, x, xr + 6 * L));
      FloatVector x7 = (FloatVector) V.cast(FloatVector.fromArray(S, x, xr + 7 * L));
      FloatVector a0 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o));
      FloatVector a1 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + L));
      FloatVector a2 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + 2 * L));
      FloatVector a3 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + 3 * L));
      FloatVector a4 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + 4 * L));
      FloatVector a5 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + 5 * L));
      FloatVector a6 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + 6 * L));
      FloatVector a7 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + 7 * L));
      for (int j = js; j < je; j++) {
        x0 = (FloatVector) V.cast(x0); x1 = (FloatVector) V.cast(x1); x2 = (FloatVector) V.cast(x2); x3 = (FloatVector) V.cast(x3);
        x4 = (FloatVector) V.cast(x4); x5 = (FloatVector) V.cast(x5); x6 = (FloatVector) V.cast(x6); x7 = (FloatVector) V.cast(x7);
        int d = j * batch + db;
        int k = j * in + c;
        FloatVector w = (FloatVector) V.cast(FloatVector.broadcast(S, v[k]));
        FloatVector e0 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d));
        FloatVector e1 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + L));
        FloatVector p = x0.mul(e0);
        FloatVector q = x1.mul(e1);
        a0 = e0.fma(w, a0);
        a1 = e1.fma(w, a1);
        FloatVector e2 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 2 * L));
        FloatVector e3 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 3 * L));
        p = x2.fma(e2, p);
        q = x3.fma(e3, q);
        a2 = e2.fma(w, a2);
        a3 = e3.fma(w, a3);
        FloatVector e4 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 4 * L));
        FloatVector e5 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 5 * L));
        p = x4.fma(e4, p);
        q = x5.fma(e5, q);
        a4 = e4.fma(w, a4);
        a5 = e5.fma(w, a5);
        FloatVector e6 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 6 * L));
        FloatVector e7 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 7 * L));
        p = x6.fma(e6, p);
        q = x7.fma(e7, q);
        a6 = e6.fma(w, a6);
        a7 = e7.fma(w, a7);
        p = p.add(q);
        p = (FloatVector) V.cast(p.add(p.rearrange(X8)));
        p = (FloatVector) V.cast(p.add(p.rearrange(X4)));
        p = (FloatVector) V.cast(p.add(p.rearrange(X2)));
        // the last stage in the vector (lane 0 + lane 1: the same float addition as on the two lanes
        // extracted, which took 7 instructions; measured neutral: within the 5-8 % by which identical
        // copies of this method differ in one JVM) and lane 0's bits to an int[] buffer (into gW after
        // the walk): with no float[] store in this loop, C2 hoists the rearranges' shuffle index checks
        // (it reloads the shuffles' float constants when a float[] store might alias them), about 30
        // instructions per non-zero
        p = (FloatVector) V.cast(p.add(p.rearrange(X1)));
        sums[so + j] = ((IntVector) IV.cast(p.reinterpretAsInts())).lane(0);
      }
      ((FloatVector) V.cast(a0)).intoArray(dx, o);
      ((FloatVector) V.cast(a1)).intoArray(dx, o + L);
      ((FloatVector) V.cast(a2)).intoArray(dx, o + 2 * L);
      ((FloatVector) V.cast(a3)).intoArray(dx, o + 3 * L);
      ((FloatVector) V.cast(a4)).intoArray(dx, o + 4 * L);
      ((FloatVector) V.cast(a5)).intoArray(dx, o + 5 * L);
      ((FloatVector) V.cast(a6)).intoArray(dx, o + 6 * L);
      ((FloatVector) V.cast(a7)).intoArray(dx, o + 7 * L);
    }

    /**
     * Sums of the tile of 2 vectors at b, per non-zero k, to sums[k - ks] (raw float bits): bit for bit
     * {@code reduceLanes(ADD)} of each non-zero's products, which C2 (JDK 17, x86) adds lane by lane in
     * order, starting from 0. Sixteen non-zeros at a time are transposed (lane l of all sixteen in one
     * vector) and added in that same order by one vector add per lane, instead of 15 shuffles and 16
     * dependent scalar adds per non-zero. The transpose works on the raw bits: each lane swap is one
     * rearrange and three bitwise selects (C2 makes each a vpternlogd; a float blend costs a mask
     * compare on every use), the first stage in the loop over the non-zeros, the other three by halves
     * (8 rows) to limit spilling. Nothing in the loops stores to a float[], so the shuffles stay hoisted.
     * Measured (same JVM, thread CPU time): the weight gradient at batch 32-112 12-25 % faster than
     * with reduceLanes; a scalar in-order sum of the stored products, or gathers, gained less.
     */
    private static void gw2(int ks, int ke, int[] ci, float[] x, int batch, int bx, float[] delta, int d,
                            int[] scr, int[] sums) {
      FloatVector d0 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d));
      FloatVector d1 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d + L));
      int k = ks;
      if (BUTTERFLY) {
        for (; k + 16 <= ke; k += 16) {
          for (int j = 0; j < 8; j++) {
            d0 = (FloatVector) V.cast(d0); d1 = (FloatVector) V.cast(d1);
            int xa = (ci == null ? k + j - ks : ci[k + j]) * batch + bx;
            int xb = (ci == null ? k + j + 8 - ks : ci[k + j + 8]) * batch + bx;
            FloatVector pa = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xa))).mul(d0);
            FloatVector pb = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xb))).mul(d0);
            pa = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xa + L))).fma(d1, pa);
            pb = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xb + L))).fma(d1, pb);
            // transpose, first stage: lanes 8..15 of non-zero j and lanes 0..7 of non-zero j+8 swap
            IntVector ia = pa.reinterpretAsInts();
            IntVector ib = pb.reinterpretAsInts();
            IntVector u = ib.lanewise(VectorOperators.XOR, ib.lanewise(VectorOperators.XOR, ia).lanewise(VectorOperators.AND, B8)).rearrange(Y8);
            ia.lanewise(VectorOperators.XOR, ia.lanewise(VectorOperators.XOR, u).lanewise(VectorOperators.AND, B8)).intoArray(scr, j * 16);
            u.lanewise(VectorOperators.XOR, u.lanewise(VectorOperators.XOR, ib).lanewise(VectorOperators.AND, B8)).intoArray(scr, (j + 8) * 16);
          }
          // rest of the transpose by halves (stages 4, 2, 1 stay within rows 0-7 and 8-15), summed in lane order
          transposeAndSum(scr, 0, false, sums, k - ks);
          transposeAndSum(scr, 128, true, sums, k - ks);
        }
      }
      for (; k < ke; k++) {
        d0 = (FloatVector) V.cast(d0); d1 = (FloatVector) V.cast(d1);
        int xo = (ci == null ? k - ks : ci[k]) * batch + bx;
        FloatVector p = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo))).mul(d0);
        p = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xo + L))).fma(d1, p);
        sums[k - ks] = Float.floatToRawIntBits(p.reduceLanes(VectorOperators.ADD));
      }
    }

    /**
     * Stages 4, 2 and 1 of the 16x16 bit transpose on rows off..off+7 of scr (the first stage done),
     * then their 8 lane vectors added in order to sums[at..at+16) (to zero when !more): the shared tail
     * of {@link #gw2} and {@link #gw1}. Only arrays cross the call, so no vector is boxed.
     */
    private static void transposeAndSum(int[] scr, int off, boolean more, int[] sums, int at) {
      IntVector r0 = (IntVector) IV.cast(IntVector.fromArray(IS, scr, off + 0));
      IntVector r1 = (IntVector) IV.cast(IntVector.fromArray(IS, scr, off + 16));
      IntVector r2 = (IntVector) IV.cast(IntVector.fromArray(IS, scr, off + 32));
      IntVector r3 = (IntVector) IV.cast(IntVector.fromArray(IS, scr, off + 48));
      IntVector r4 = (IntVector) IV.cast(IntVector.fromArray(IS, scr, off + 64));
      IntVector r5 = (IntVector) IV.cast(IntVector.fromArray(IS, scr, off + 80));
      IntVector r6 = (IntVector) IV.cast(IntVector.fromArray(IS, scr, off + 96));
      IntVector r7 = (IntVector) IV.cast(IntVector.fromArray(IS, scr, off + 112));
      IntVector u40 = r4.lanewise(VectorOperators.XOR, r4.lanewise(VectorOperators.XOR, r0).lanewise(VectorOperators.AND, B4)).rearrange(Y4);
      r0 = r0.lanewise(VectorOperators.XOR, r0.lanewise(VectorOperators.XOR, u40).lanewise(VectorOperators.AND, B4));
      r4 = u40.lanewise(VectorOperators.XOR, u40.lanewise(VectorOperators.XOR, r4).lanewise(VectorOperators.AND, B4));
      IntVector u41 = r5.lanewise(VectorOperators.XOR, r5.lanewise(VectorOperators.XOR, r1).lanewise(VectorOperators.AND, B4)).rearrange(Y4);
      r1 = r1.lanewise(VectorOperators.XOR, r1.lanewise(VectorOperators.XOR, u41).lanewise(VectorOperators.AND, B4));
      r5 = u41.lanewise(VectorOperators.XOR, u41.lanewise(VectorOperators.XOR, r5).lanewise(VectorOperators.AND, B4));
      IntVector u42 = r6.lanewise(VectorOperators.XOR, r6.lanewise(VectorOperators.XOR, r2).lanewise(VectorOperators.AND, B4)).rearrange(Y4);
      r2 = r2.lanewise(VectorOperators.XOR, r2.lanewise(VectorOperators.XOR, u42).lanewise(VectorOperators.AND, B4));
      r6 = u42.lanewise(VectorOperators.XOR, u42.lanewise(VectorOperators.XOR, r6).lanewise(VectorOperators.AND, B4));
      IntVector u43 = r7.lanewise(VectorOperators.XOR, r7.lanewise(VectorOperators.XOR, r3).lanewise(VectorOperators.AND, B4)).rearrange(Y4);
      r3 = r3.lanewise(VectorOperators.XOR, r3.lanewise(VectorOperators.XOR, u43).lanewise(VectorOperators.AND, B4));
      r7 = u43.lanewise(VectorOperators.XOR, u43.lanewise(VectorOperators.XOR, r7).lanewise(VectorOperators.AND, B4));
      IntVector u20 = r2.lanewise(VectorOperators.XOR, r2.lanewise(VectorOperators.XOR, r0).lanewise(VectorOperators.AND, B2)).rearrange(Y2);
      r0 = r0.lanewise(VectorOperators.XOR, r0.lanewise(VectorOperators.XOR, u20).lanewise(VectorOperators.AND, B2));
      r2 = u20.lanewise(VectorOperators.XOR, u20.lanewise(VectorOperators.XOR, r2).lanewise(VectorOperators.AND, B2));
      IntVector u21 = r3.lanewise(VectorOperators.XOR, r3.lanewise(VectorOperators.XOR, r1).lanewise(VectorOperators.AND, B2)).rearrange(Y2);
      r1 = r1.lanewise(VectorOperators.XOR, r1.lanewise(VectorOperators.XOR, u21).lanewise(VectorOperators.AND, B2));
      r3 = u21.lanewise(VectorOperators.XOR, u21.lanewise(VectorOperators.XOR, r3).lanewise(VectorOperators.AND, B2));
      IntVector u24 = r6.lanewise(VectorOperators.XOR, r6.lanewise(VectorOperators.XOR, r4).lanewise(VectorOperators.AND, B2)).rearrange(Y2);
      r4 = r4.lanewise(VectorOperators.XOR, r4.lanewise(VectorOperators.XOR, u24).lanewise(VectorOperators.AND, B2));
      r6 = u24.lanewise(VectorOperators.XOR, u24.lanewise(VectorOperators.XOR, r6).lanewise(VectorOperators.AND, B2));
      IntVector u25 = r7.lanewise(VectorOperators.XOR, r7.lanewise(VectorOperators.XOR, r5).lanewise(VectorOperators.AND, B2)).rearrange(Y2);
      r5 = r5.lanewise(VectorOperators.XOR, r5.lanewise(VectorOperators.XOR, u25).lanewise(VectorOperators.AND, B2));
      r7 = u25.lanewise(VectorOperators.XOR, u25.lanewise(VectorOperators.XOR, r7).lanewise(VectorOperators.AND, B2));
      IntVector u10 = r1.lanewise(VectorOperators.XOR, r1.lanewise(VectorOperators.XOR, r0).lanewise(VectorOperators.AND, B1)).rearrange(Y1);
      r0 = r0.lanewise(VectorOperators.XOR, r0.lanewise(VectorOperators.XOR, u10).lanewise(VectorOperators.AND, B1));
      r1 = u10.lanewise(VectorOperators.XOR, u10.lanewise(VectorOperators.XOR, r1).lanewise(VectorOperators.AND, B1));
      IntVector u12 = r3.lanewise(VectorOperators.XOR, r3.lanewise(VectorOperators.XOR, r2).lanewise(VectorOperators.AND, B1)).rearrange(Y1);
      r2 = r2.lanewise(VectorOperators.XOR, r2.lanewise(VectorOperators.XOR, u12).lanewise(VectorOperators.AND, B1));
      r3 = u12.lanewise(VectorOperators.XOR, u12.lanewise(VectorOperators.XOR, r3).lanewise(VectorOperators.AND, B1));
      IntVector u14 = r5.lanewise(VectorOperators.XOR, r5.lanewise(VectorOperators.XOR, r4).lanewise(VectorOperators.AND, B1)).rearrange(Y1);
      r4 = r4.lanewise(VectorOperators.XOR, r4.lanewise(VectorOperators.XOR, u14).lanewise(VectorOperators.AND, B1));
      r5 = u14.lanewise(VectorOperators.XOR, u14.lanewise(VectorOperators.XOR, r5).lanewise(VectorOperators.AND, B1));
      IntVector u16 = r7.lanewise(VectorOperators.XOR, r7.lanewise(VectorOperators.XOR, r6).lanewise(VectorOperators.AND, B1)).rearrange(Y1);
      r6 = r6.lanewise(VectorOperators.XOR, r6.lanewise(VectorOperators.XOR, u16).lanewise(VectorOperators.AND, B1));
      r7 = u16.lanewise(VectorOperators.XOR, u16.lanewise(VectorOperators.XOR, r7).lanewise(VectorOperators.AND, B1));
      FloatVector acc = ((FloatVector) V.cast(more ? ((IntVector) IV.cast(IntVector.fromArray(IS, sums, at))).reinterpretAsFloats() : FloatVector.zero(S)))
          .add(r0.reinterpretAsFloats()).add(r1.reinterpretAsFloats()).add(r2.reinterpretAsFloats()).add(r3.reinterpretAsFloats()).add(r4.reinterpretAsFloats()).add(r5.reinterpretAsFloats()).add(r6.reinterpretAsFloats()).add(r7.reinterpretAsFloats());
      acc.reinterpretAsInts().intoArray(sums, at);
    }

    /** {@link #gw2} for a tile of 1 vector. */
    private static void gw1(int ks, int ke, int[] ci, float[] x, int batch, int bx, float[] delta, int d,
                            int[] scr, int[] sums) {
      FloatVector d0 = (FloatVector) V.cast(FloatVector.fromArray(S, delta, d));
      int k = ks;
      if (BUTTERFLY) {
        for (; k + 16 <= ke; k += 16) {
          for (int j = 0; j < 8; j++) {
            d0 = (FloatVector) V.cast(d0);
            int xa = (ci == null ? k + j - ks : ci[k + j]) * batch + bx;
            int xb = (ci == null ? k + j + 8 - ks : ci[k + j + 8]) * batch + bx;
            FloatVector pa = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xa))).mul(d0);
            FloatVector pb = ((FloatVector) V.cast(FloatVector.fromArray(S, x, xb))).mul(d0);
            // transpose, first stage: lanes 8..15 of non-zero j and lanes 0..7 of non-zero j+8 swap
            IntVector ia = pa.reinterpretAsInts();
            IntVector ib = pb.reinterpretAsInts();
            IntVector u = ib.lanewise(VectorOperators.XOR, ib.lanewise(VectorOperators.XOR, ia).lanewise(VectorOperators.AND, B8)).rearrange(Y8);
            ia.lanewise(VectorOperators.XOR, ia.lanewise(VectorOperators.XOR, u).lanewise(VectorOperators.AND, B8)).intoArray(scr, j * 16);
            u.lanewise(VectorOperators.XOR, u.lanewise(VectorOperators.XOR, ib).lanewise(VectorOperators.AND, B8)).intoArray(scr, (j + 8) * 16);
          }
          // rest of the transpose by halves (stages 4, 2, 1 stay within rows 0-7 and 8-15), summed in lane order
          transposeAndSum(scr, 0, false, sums, k - ks);
          transposeAndSum(scr, 128, true, sums, k - ks);
        }
      }
      for (; k < ke; k++) {
        d0 = (FloatVector) V.cast(d0);
        int xo = (ci == null ? k - ks : ci[k]) * batch + bx;
        sums[k - ks] = Float.floatToRawIntBits(((FloatVector) V.cast(FloatVector.fromArray(S, x, xo))).mul(d0).reduceLanes(VectorOperators.ADD));
      }
    }

    // ---- input gradient: dx row tile in registers, walking the transposed structure

    static void inputGradient(int in, int out, int[] colPtr, int[] rows, int[] ks, float[] values,
                              float[] delta, int dOff, int batch, float[] dx, int dxo) {
      for (int c = 0; c < in; c++) {
        int js = colPtr == null ? 0 : colPtr[c];
        int je = colPtr == null ? out : colPtr[c + 1];
        if (js == je) {
          continue;
        }
        int xr = dxo + c * batch;
        int b = 0;
        for (; b + 8 * L <= batch; b += 8 * L) {
          dx8(js, je, rows, ks, in, c, values, delta, batch, dOff + b, dx, xr + b);
        }
        if (b + 4 * L <= batch) {
          dx4(js, je, rows, ks, in, c, values, delta, batch, dOff + b, dx, xr + b);
          b += 4 * L;
        }
        for (; b + 2 * L <= batch; b += 2 * L) {
          dx2(js, je, rows, ks, in, c, values, delta, batch, dOff + b, dx, xr + b);
        }
        for (; b + L <= batch; b += L) {
          dx1(js, je, rows, ks, in, c, values, delta, batch, dOff + b, dx, xr + b);
        }
        for (; b < batch; b++) {
          float acc = dx[xr + b];
          for (int j = js; j < je; j++) {
            int r = rows == null ? j : rows[j];
            acc += values[ks == null ? j * in + c : ks[j]] * delta[dOff + r * batch + b];
          }
          dx[xr + b] = acc;
        }
      }
    }

    private static void dx8(int js, int je, int[] rows, int[] ks, int in, int c, float[] v, float[] delta,
                            int batch, int db, float[] dx, int o) {
      FloatVector a0 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o));
      FloatVector a1 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + L));
      FloatVector a2 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + 2 * L));
      FloatVector a3 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + 3 * L));
      FloatVector a4 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + 4 * L));
      FloatVector a5 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + 5 * L));
      FloatVector a6 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + 6 * L));
      FloatVector a7 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + 7 * L));
      for (int j = js; j < je; j++) {
        int d = (rows == null ? j : rows[j]) * batch + db;
        FloatVector w = (FloatVector) V.cast(FloatVector.broadcast(S, v[ks == null ? j * in + c : ks[j]]));
        a0 = ((FloatVector) V.cast(FloatVector.fromArray(S, delta, d))).fma(w, a0);
        a1 = ((FloatVector) V.cast(FloatVector.fromArray(S, delta, d + L))).fma(w, a1);
        a2 = ((FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 2 * L))).fma(w, a2);
        a3 = ((FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 3 * L))).fma(w, a3);
        a4 = ((FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 4 * L))).fma(w, a4);
        a5 = ((FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 5 * L))).fma(w, a5);
        a6 = ((FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 6 * L))).fma(w, a6);
        a7 = ((FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 7 * L))).fma(w, a7);
      }
      ((FloatVector) V.cast(a0)).intoArray(dx, o);
      ((FloatVector) V.cast(a1)).intoArray(dx, o + L);
      ((FloatVector) V.cast(a2)).intoArray(dx, o + 2 * L);
      ((FloatVector) V.cast(a3)).intoArray(dx, o + 3 * L);
      ((FloatVector) V.cast(a4)).intoArray(dx, o + 4 * L);
      ((FloatVector) V.cast(a5)).intoArray(dx, o + 5 * L);
      ((FloatVector) V.cast(a6)).intoArray(dx, o + 6 * L);
      ((FloatVector) V.cast(a7)).intoArray(dx, o + 7 * L);
    }

    private static void dx4(int js, int je, int[] rows, int[] ks, int in, int c, float[] v, float[] delta,
                            int batch, int db, float[] dx, int o) {
      FloatVector a0 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o));
      FloatVector a1 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + L));
      FloatVector a2 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + 2 * L));
      FloatVector a3 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + 3 * L));
      for (int j = js; j < je; j++) {
        int d = (rows == null ? j : rows[j]) * batch + db;
        FloatVector w = (FloatVector) V.cast(FloatVector.broadcast(S, v[ks == null ? j * in + c : ks[j]]));
        a0 = ((FloatVector) V.cast(FloatVector.fromArray(S, delta, d))).fma(w, a0);
        a1 = ((FloatVector) V.cast(FloatVector.fromArray(S, delta, d + L))).fma(w, a1);
        a2 = ((FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 2 * L))).fma(w, a2);
        a3 = ((FloatVector) V.cast(FloatVector.fromArray(S, delta, d + 3 * L))).fma(w, a3);
      }
      ((FloatVector) V.cast(a0)).intoArray(dx, o);
      ((FloatVector) V.cast(a1)).intoArray(dx, o + L);
      ((FloatVector) V.cast(a2)).intoArray(dx, o + 2 * L);
      ((FloatVector) V.cast(a3)).intoArray(dx, o + 3 * L);
    }

    private static void dx2(int js, int je, int[] rows, int[] ks, int in, int c, float[] v, float[] delta,
                            int batch, int db, float[] dx, int o) {
      FloatVector a0 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o));
      FloatVector a1 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o + L));
      for (int j = js; j < je; j++) {
        int d = (rows == null ? j : rows[j]) * batch + db;
        FloatVector w = (FloatVector) V.cast(FloatVector.broadcast(S, v[ks == null ? j * in + c : ks[j]]));
        a0 = ((FloatVector) V.cast(FloatVector.fromArray(S, delta, d))).fma(w, a0);
        a1 = ((FloatVector) V.cast(FloatVector.fromArray(S, delta, d + L))).fma(w, a1);
      }
      ((FloatVector) V.cast(a0)).intoArray(dx, o);
      ((FloatVector) V.cast(a1)).intoArray(dx, o + L);
    }

    private static void dx1(int js, int je, int[] rows, int[] ks, int in, int c, float[] v, float[] delta,
                            int batch, int db, float[] dx, int o) {
      FloatVector a0 = (FloatVector) V.cast(FloatVector.fromArray(S, dx, o));
      for (int j = js; j < je; j++) {
        int d = (rows == null ? j : rows[j]) * batch + db;
        a0 = ((FloatVector) V.cast(FloatVector.fromArray(S, delta, d))).fma(((FloatVector) V.cast(FloatVector.broadcast(S, v[ks == null ? j * in + c : ks[j]]))), a0);
      }
      ((FloatVector) V.cast(a0)).intoArray(dx, o);
    }
  }
}
