package org.sparsetrain.training.checkpoint;

/**
 * A checkpoint that verifies but does not fit the run that wants to resume from it: other layer
 * sizes, activation, loss, optimizer kind or dense/sparse storage. The message says both sides,
 * e.g. {@code checkpoint has layers [784,300,10] but the config says [784,100,10]}.
 */
public class IncompatibleCheckpointException extends CheckpointException {
  private static final long serialVersionUID = 1L;

  public IncompatibleCheckpointException(String message) {
    super(message);
  }
}
