package org.sparsetrain.training.spark;

import com.esotericsoftware.kryo.Kryo;
import org.apache.spark.serializer.KryoRegistrator;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.Loss;

/**
 * Registers every class sparsetrain ships through Spark (RDD elements, shuffled pieces, task
 * results, broadcasts), so jobs run with {@code spark.kryo.registrationRequired=true}:
 * <pre>
 * spark.serializer=org.apache.spark.serializer.KryoSerializer
 * spark.kryo.registrator=org.sparsetrain.training.spark.SparsetrainKryoRegistrator
 * </pre>
 */
public class SparsetrainKryoRegistrator implements KryoRegistrator {
  @Override
  public void registerClasses(Kryo kryo) {
    kryo.register(DataBlock.class);
    kryo.register(DataBlock[].class);
    kryo.register(ModelStructure.class);
    kryo.register(ModelValues.class);
    kryo.register(Parts.Gradient.class);
    kryo.register(Parts.Gradient[].class);
    kryo.register(Parts.Round.class);
    kryo.register(Parts.Round[].class);
    kryo.register(Parts.Eval.class);
    kryo.register(Parts.Eval[].class);
    kryo.register(Parts.Rows.class);
    kryo.register(Parts.Rows[].class);
    kryo.register(Parts.Piece.class);
    kryo.register(Parts.Piece[].class);
    kryo.register(BatchActivations.class);
    kryo.register(ShardRows.class);
    kryo.register(ShardRows[].class);
    kryo.register(Parts.BlockSummary.class);
    kryo.register(Parts.BlockSummary[].class);
    kryo.register(Activation.class);
    kryo.register(Loss.class);
    kryo.register(float[].class);
    kryo.register(float[][].class);
    kryo.register(float[][][].class);
    kryo.register(int[].class);
    kryo.register(int[][].class);
    kryo.register(long[].class);
    kryo.register(long[][].class);
    kryo.register(double[].class);
    kryo.register(double[][].class);
    kryo.register(boolean[].class);
    kryo.register(byte[][].class);
    kryo.register(Object[].class);
    org.sparsetrain.training.spark.sharded.ShardedKryo.register(kryo);
  }
}
