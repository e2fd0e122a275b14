package org.sparsetrain.training.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What the caller adds to a checkpoint beyond the {@link org.sparsetrain.training.TrainingState}.
 *
 * @param epoch the epoch the checkpointed step belongs to (0-based, {@code BatchSampler.epochOf})
 * @param config the resolved job configuration as text (YAML), secrets already stripped by the
 *     caller; {@link Secrets#redactConfigText} runs over it again before it is written. May be null.
 * @param extra a JSON object for callers: validation metrics (for keep-best retention), schedule
 *     state, a soup's ingredient list. Sensitive keys are redacted. Never null (empty object).
 */
public record CheckpointMeta(long epoch, String config, ObjectNode extra) {
  public CheckpointMeta {
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
    }
    extra = extra == null ? JsonNodeFactory.instance.objectNode() : extra.deepCopy();
  }

  public static CheckpointMeta of(long epoch, String config) {
    return new CheckpointMeta(epoch, config, null);
  }

  @Override
  public ObjectNode extra() {
    return extra.deepCopy();
  }

  /** A copy with {@code extra[key] = value}, e.g. {@code withExtra("val_accuracy", 0.91)}. */
  public CheckpointMeta withExtra(String key, double value) {
    ObjectNode e = extra.deepCopy();
    e.put(key, value);
    return new CheckpointMeta(epoch, config, e);
  }

  /** A copy with {@code extra[key] = value} for any JSON value. */
  public CheckpointMeta withExtra(String key, JsonNode value) {
    ObjectNode e = extra.deepCopy();
    e.set(key, value);
    return new CheckpointMeta(epoch, config, e);
  }
}
