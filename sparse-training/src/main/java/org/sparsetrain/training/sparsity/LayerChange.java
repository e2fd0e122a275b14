package org.sparsetrain.training.sparsity;

/**
 * The change of one layer: stored-weight indices to drop, positions ({@code row * in + col}) to
 * grow, and optionally the values the grown connections start with (default 0).
 */
public record LayerChange(int[] drop, long[] grow, float[] growValues) {
  public LayerChange {
    if (growValues != null && growValues.length != grow.length) {
      throw new IllegalArgumentException("growValues must align with grow");
    }
  }

  public LayerChange(int[] drop, long[] grow) {
    this(drop, grow, null);
  }

  public boolean isEmpty() {
    return drop.length == 0 && grow.length == 0;
  }
}
