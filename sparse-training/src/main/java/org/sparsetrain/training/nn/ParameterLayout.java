package org.sparsetrain.training.nn;

/** Where each layer's weights and bias sit in a flat parameter/gradient vector. */
public final class ParameterLayout {
  private final int[] weightOffset;
  private final int[] biasOffset;
  private final int[] nnz;
  private final int size;

  public ParameterLayout(int[] nnz, int[] out) {
    this.nnz = nnz.clone();
    weightOffset = new int[nnz.length];
    biasOffset = new int[nnz.length];
    long off = 0;
    for (int l = 0; l < nnz.length; l++) {
      weightOffset[l] = (int) off;
      off += nnz[l];
      biasOffset[l] = (int) off;
      off += out[l];
    }
    if (off > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("model too large for one flat vector: " + off + " parameters");
    }
    size = (int) off;
  }

  public int weightOffset(int l) { return weightOffset[l]; }
  public int biasOffset(int l) { return biasOffset[l]; }
  public int nnz(int l) { return nnz[l]; }
  public int layers() { return nnz.length; }
  /** Total length of the flat vector. */
  public int size() { return size; }
}
