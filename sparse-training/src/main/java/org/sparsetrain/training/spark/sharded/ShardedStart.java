package org.sparsetrain.training.spark.sharded;

import java.util.Objects;
import org.apache.hadoop.fs.Path;
import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.spark.HadoopConf;
import org.sparsetrain.training.spark.ModelStructure;

/**
 * Where a sharded run starts: the beginning of a fresh run ({@link #fresh()}: the driver draws only
 * the masks, each shard's owner draws its values from the seed, with zero optimizer state); a
 * {@link TrainingState} held by the driver (e.g. restored from a checkpoint of layout {@code full}),
 * which the driver cuts into shards once; or a sharded checkpoint, verified by the shards' owners,
 * whose values and optimizer state they load themselves (the driver holds only the masks).
 * {@link ShardedSparkTrainer#restore} makes the latter.
 */
public final class ShardedStart {
  final TrainingState state;
  final Path dir;
  final ShardTable table;
  final ModelStructure structure;
  final long step;
  final long optimizerStep;
  /** A fresh run: the shards are initialised on their owners (state, dir and structure are null). */
  final boolean fresh;
  /** The configuration the checkpoint's filesystem was opened with, for the owners' reads. */
  final HadoopConf conf;

  private ShardedStart(TrainingState state, Path dir, ShardTable table, ModelStructure structure, long step,
                       long optimizerStep, HadoopConf conf, boolean fresh) {
    this.fresh = fresh;
    this.state = state;
    this.dir = dir;
    this.table = table;
    this.structure = structure;
    this.step = step;
    this.optimizerStep = optimizerStep;
    this.conf = conf;
  }

  /** The driver cuts {@code state}'s model into shards. */
  public static ShardedStart of(TrainingState state) {
    Objects.requireNonNull(state, "state");
    return new ShardedStart(state, null, null, null, state.step(), state.optimizer().step(), null, false);
  }

  /**
   * Step 0 of the trainer's own model and plan, as {@link TrainingState#fresh} would make it, bit
   * for bit, without ever holding the values or the optimizer state on the driver: the driver
   * draws the masks, each shard's owner draws its rows' He values from the same seeded stream and
   * starts its optimizer slots at zero.
   */
  public static ShardedStart fresh() {
    return new ShardedStart(null, null, null, null, 0, 0, null, true);
  }

  static ShardedStart ofCheckpoint(Path dir, ShardTable table, ModelStructure structure, long step, long optimizerStep,
                                   HadoopConf conf) {
    return new ShardedStart(null, dir, table, structure, step, optimizerStep, conf, false);
  }

  /** Steps completed. */
  public long step() {
    return step;
  }

  /** The sharded checkpoint the owners load from, or null when the driver holds the model. */
  public Path checkpoint() {
    return dir;
  }
}
