package org.sparsetrain.training.nn;

import java.util.Arrays;

/**
 * Applies a prune-and-regrow decision to a CSR layer: drop stored weights by their index, add
 * positions ({@code row * in + col}). The result keeps the non-zero count when |drop| = |add| and is
 * built in O(nnz + changes·log changes). A position that is both dropped and added stays where it
 * was and keeps its value and optimizer state (RigL's semantics); truly new positions start at 0.
 *
 * <p>{@link #source()} maps every new index to the old index it came from (or -1 for a new
 * connection), so every array aligned with the values — optimizer state too — follows with
 * {@link #remap}.
 */
public final class StructureChange {
  private final int[] rowPtr;
  private final int[] colIdx;
  private final int[] source;
  private final int dropped;
  private final int added;

  private StructureChange(int[] rowPtr, int[] colIdx, int[] source, int dropped, int added) {
    this.rowPtr = rowPtr;
    this.colIdx = colIdx;
    this.source = source;
    this.dropped = dropped;
    this.added = added;
  }

  /**
   * @param drop indices into the layer's stored weights (any order, no duplicates)
   * @param add positions {@code row * in + col} that are inactive after the drop (any order, no duplicates)
   */
  public static StructureChange compute(Layer layer, int[] drop, long[] add) {
    int in = layer.inFeatures();
    int out = layer.outFeatures();
    int[] rp = layer.rowPtr();
    int[] ci = layer.colIdx();
    int nnz = ci.length;
    boolean[] isDropped = new boolean[nnz];
    for (int k : drop) {
      if (k < 0 || k >= nnz) {
        throw new IllegalArgumentException("drop index " + k + " outside [0," + nnz + ")");
      }
      if (isDropped[k]) {
        throw new IllegalArgumentException("drop index " + k + " given twice");
      }
      isDropped[k] = true;
    }
    long[] adds = add.clone();
    Arrays.sort(adds);
    long total = (long) in * out;
    for (int i = 0; i < adds.length; i++) {
      if (adds[i] < 0 || adds[i] >= total) {
        throw new IllegalArgumentException("add position " + adds[i] + " outside [0," + total + ")");
      }
      if (i > 0 && adds[i] == adds[i - 1]) {
        throw new IllegalArgumentException("add position " + adds[i] + " given twice");
      }
    }
    int newNnz = nnz - drop.length + adds.length;
    int[] nrp = new int[out + 1];
    int[] nci = new int[newNnz];
    int[] src = new int[newNnz];
    int a = 0;
    int w = 0;
    int revived = 0;
    for (int r = 0; r < out; r++) {
      long rowBase = (long) r * in;
      int k = rp[r];
      int ke = rp[r + 1];
      while (k < ke || (a < adds.length && adds[a] < rowBase + in)) {
        int oldCol = k < ke ? ci[k] : Integer.MAX_VALUE;
        int addCol = (a < adds.length && adds[a] < rowBase + in) ? (int) (adds[a] - rowBase) : Integer.MAX_VALUE;
        if (oldCol < addCol) {
          if (!isDropped[k]) {
            nci[w] = oldCol;
            src[w++] = k;
          }
          k++;
        } else if (addCol < oldCol) {
          nci[w] = addCol;
          src[w++] = -1;
          a++;
        } else {
          if (!isDropped[k]) {
            throw new IllegalArgumentException("add position " + adds[a] + " is active after the drop");
          }
          nci[w] = oldCol;
          src[w++] = k;   // dropped and regrown: keeps its value and state
          revived++;
          k++;
          a++;
        }
      }
      nrp[r + 1] = w;
    }
    if (w != newNnz) {
      throw new IllegalStateException("structure change produced " + w + " non-zeros, expected " + newNnz);
    }
    return new StructureChange(nrp, nci, src, drop.length - revived, adds.length - revived);
  }

  public int[] rowPtr() { return rowPtr; }
  public int[] colIdx() { return colIdx; }
  /** For every new index, the old index it came from, or -1 for a new connection. */
  public int[] source() { return source; }
  /** Connections that left the mask (dropped and not regrown). */
  public int dropped() { return dropped; }
  /** Connections that joined the mask (grown and not just dropped). */
  public int added() { return added; }

  /** An array aligned with the new structure: old values where they existed, 0 for new ones. */
  public float[] remap(float[] old) {
    float[] n = new float[source.length];
    for (int i = 0; i < source.length; i++) {
      int s = source[i];
      n[i] = s < 0 ? 0f : old[s];
    }
    return n;
  }

  /** Applies the change to a sparse layer: its structure and values follow. */
  public void applyTo(SparseLinear layer) {
    layer.setStructure(rowPtr, colIdx, remap(layer.values()));
  }
}
