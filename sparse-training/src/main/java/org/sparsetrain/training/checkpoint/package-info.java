/**
 * Checkpoints of a training run on local disk, HDFS or S3 (through Hadoop {@code FileSystem} only),
 * in an explicit versioned format (see {@link org.sparsetrain.training.checkpoint.CheckpointFormat},
 * {@link org.sparsetrain.training.checkpoint.Manifest}); no Java serialization. Typical use by a
 * trainer's driver, which owns the {@link org.sparsetrain.training.TrainingState}:
 * <pre>{@code
 * CheckpointStore store = CheckpointStore.forRun(runDir, hadoopConf)          // runDir/checkpoints
 *     .withRetention(RetentionPolicy.keepLast(3).keepBest("val_accuracy", true));
 * // resume (train --resume): newest checkpoint that verifies and fits, or a fresh state
 * CheckpointStore.RestoreResult r = store.restore(spec, plan.method(), plan.optimizer());
 * r.problems().forEach(p -> log.warn("skipped checkpoint " + p));
 * TrainingState state = r.found()
 *     ? r.checkpoint().toTrainingState(plan.method(), plan.learningRate(totalSteps))
 *     : freshState;
 * // every N steps, each epoch and at the end (after finishStep; the state must not change meanwhile)
 * store.commit(state, CheckpointMeta.of(sampler.epochOf(state.step()), configYamlWithoutSecrets)
 *     .withExtra("val_accuracy", acc));
 * // export
 * SafetensorsExport.write(fs, new Path(runDir, "model.safetensors"), state.network());
 * }</pre>
 */
package org.sparsetrain.training.checkpoint;
