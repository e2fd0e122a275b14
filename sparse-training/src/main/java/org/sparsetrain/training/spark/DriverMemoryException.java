package org.sparsetrain.training.spark;

/** The driver's heap cannot hold what {@code distribution.mode=driver} needs ({@link DriverMemory#check}). */
public final class DriverMemoryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DriverMemoryException(String message) {
    super(message);
  }
}
