package org.sparsetrain.training.spark.sharded;

import com.esotericsoftware.kryo.Kryo;
import org.sparsetrain.training.spark.SparsetrainKryoRegistrator;

/**
 * Everything {@link SparsetrainKryoRegistrator} registers plus the sharded mode's classes, for
 * {@code spark.kryo.registrationRequired=true}:
 * {@code spark.kryo.registrator=org.sparsetrain.training.spark.sharded.ShardedKryoRegistrator}.
 */
public class ShardedKryoRegistrator extends SparsetrainKryoRegistrator {
  @Override
  public void registerClasses(Kryo kryo) {
    super.registerClasses(kryo);
    kryo.register(ShardedStructure.class);
    kryo.register(WeightShard.class);
    kryo.register(WeightShard[].class);
    kryo.register(ShardMessages.ValuesPiece.class);
    kryo.register(ShardMessages.ValuesPiece[].class);
    kryo.register(ShardMessages.GradSlice.class);
    kryo.register(ShardMessages.GradSlice[].class);
    kryo.register(ShardMessages.ShardSummary.class);
    kryo.register(ShardMessages.ShardSummary[].class);
    kryo.register(ShardMessages.ShardEdit.class);
    kryo.register(double[][].class);
    kryo.register(scala.Tuple2[].class);
  }
}
