package org.sparsetrain.training.spark.sharded;

import com.esotericsoftware.kryo.Kryo;

/** The sharded mode's classes for Kryo; {@link org.sparsetrain.training.spark.SparsetrainKryoRegistrator} calls this. */
public final class ShardedKryo {
  private ShardedKryo() {}

  public static void register(Kryo kryo) {
    kryo.register(WeightShard.class);
    kryo.register(WeightShard[].class);
    kryo.register(ShardMessages.ValuesPiece.class);
    kryo.register(ShardMessages.ValuesPiece[].class);
    kryo.register(ShardMessages.GradSlice.class);
    kryo.register(ShardMessages.GradSlice[].class);
    kryo.register(ShardMessages.ShardSummary.class);
    kryo.register(ShardMessages.ShardSummary[].class);
    kryo.register(ShardMessages.ShardEdit.class);
    kryo.register(ShardMessages.ShardFileWritten.class);
    kryo.register(ShardMessages.ShardFileWritten[].class);
    kryo.register(ShardMessages.ShardCheck.class);
    kryo.register(ShardMessages.ShardCheck[].class);
    kryo.register(scala.Tuple2[].class);
  }
}
