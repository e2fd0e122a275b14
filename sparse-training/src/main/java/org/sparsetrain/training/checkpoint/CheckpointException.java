package org.sparsetrain.training.checkpoint;

import java.io.IOException;

/**
 * A checkpoint that cannot be trusted: not committed, truncated, corrupt, or of another format
 * version. The message names the file and what is wrong with it, e.g.
 * {@code values.l1.bin size 1200 != manifest 2400 (truncated)}.
 */
public class CheckpointException extends IOException {
  private static final long serialVersionUID = 1L;

  public CheckpointException(String message) {
    super(message);
  }

  public CheckpointException(String message, Throwable cause) {
    super(message, cause);
  }
}
