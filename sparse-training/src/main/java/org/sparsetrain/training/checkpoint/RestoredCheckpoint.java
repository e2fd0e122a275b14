package org.sparsetrain.training.checkpoint;

import java.util.Arrays;
import org.apache.hadoop.fs.Path;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.optim.LearningRate;
import org.sparsetrain.training.optim.OptimizerState;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * A verified, loaded checkpoint: the network, the optimizer state (null when read without an
 * optimizer) and the manifest. {@link #toTrainingState} rebuilds what {@code LocalTrainer.continueTraining}
 * (or the Spark trainer) resumes from.
 */
public record RestoredCheckpoint(Path dir, Manifest manifest, Network network, OptimizerState optimizer) {

  public long step() {
    return manifest.step();
  }

  /**
   * The training state at the checkpointed step, with the run's sparsity method and learning-rate
   * schedule (both are pure functions of the step, so they are supplied, not stored).
   */
  public TrainingState toTrainingState(SparsityMethod method, LearningRate lr) {
    if (optimizer == null) {
      throw new IllegalStateException("checkpoint " + dir.getName() + " was read without an optimizer");
    }
    return new TrainingState(network, optimizer, method, lr, manifest.seed(), manifest.totalSteps(),
        manifest.step(), manifest.maskVersion());
  }

  /**
   * Throws {@link IncompatibleCheckpointException} when the checkpoint does not fit the run's model:
   * other layer sizes, activation or loss, or sparse layers where {@code method} trains dense ones
   * (and the reverse). {@code method} may be null.
   */
  public static void checkCompatible(Manifest m, ModelSpec spec, SparsityMethod method) throws IncompatibleCheckpointException {
    String where = "checkpoint " + CheckpointFormat.stepDirName(m.step());
    if (!Arrays.equals(m.sizes(), spec.sizes())) {
      throw new IncompatibleCheckpointException(where + " has layers " + list(m.sizes()) + " but the config says " + list(spec.sizes()));
    }
    if (!m.activation().equals(spec.activation().key())) {
      throw new IncompatibleCheckpointException(where + " has activation " + m.activation() + " but the config says " + spec.activation().key());
    }
    if (!m.loss().equalsIgnoreCase(spec.loss().name())) {
      throw new IncompatibleCheckpointException(where + " has loss " + m.loss() + " but the config says " + spec.loss().name().toLowerCase(java.util.Locale.ROOT));
    }
    if (method != null) {
      for (Manifest.LayerInfo li : m.layers()) {
        if (li.sparse() == method.dense()) {
          throw new IncompatibleCheckpointException(where + " stores layer " + li.index() + (li.sparse() ? " sparse" : " dense")
              + " but sparsity.method " + method.name() + " trains " + (method.dense() ? "dense" : "sparse") + " layers");
        }
      }
    }
  }

  private static String list(int[] a) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < a.length; i++) {
      b.append(i == 0 ? "" : ",").append(a[i]);
    }
    return b.append(']').toString();
  }
}
