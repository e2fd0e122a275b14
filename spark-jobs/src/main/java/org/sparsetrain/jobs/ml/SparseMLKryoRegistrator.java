package org.sparsetrain.jobs.ml;

import com.esotericsoftware.kryo.Kryo;
import org.sparsetrain.training.spark.SparsetrainKryoRegistrator;

/**
 * Everything sparsetrain ships through Spark when {@link SparseMLPClassifier} (or any job that
 * reads, validates and packs data frames) runs under {@code spark.kryo.registrationRequired=true}:
 * the trainer's classes ({@link SparsetrainKryoRegistrator}) plus the per-partition summaries that
 * data-pipelines' {@code Validator} and {@code BlockPacker} send back to the driver, and the Spark
 * ML vector and matrix types that Spark's own model readers ship inside schemas (a saved
 * {@code PipelineModel} with a {@code MinMaxScaler} does not load without them).
 * <pre>
 * spark.serializer=org.apache.spark.serializer.KryoSerializer
 * spark.kryo.registrator=org.sparsetrain.jobs.ml.SparseMLKryoRegistrator
 * </pre>
 */
public class SparseMLKryoRegistrator extends SparsetrainKryoRegistrator {
  /** data-pipelines classes that cross the wire; package-private there, so registered by name. */
  static final String[] DATA_PIPELINE_CLASSES = {
      "org.sparsetrain.data.BlockPacker$PartCount",
      "org.sparsetrain.data.Validator$PartSummary",
      "org.sparsetrain.data.Validator$BadRow",
  };

  @Override
  public void registerClasses(Kryo kryo) {
    super.registerClasses(kryo);
    for (String name : DATA_PIPELINE_CLASSES) {
      try {
        Class<?> c = Class.forName(name, false, SparseMLKryoRegistrator.class.getClassLoader());
        if (c.isRecord()) { // Kryo's FieldSerializer cannot write record fields; records are Serializable
          kryo.register(c, new com.esotericsoftware.kryo.serializers.JavaSerializer());
        } else {
          kryo.register(c);
        }
        kryo.register(java.lang.reflect.Array.newInstance(c, 0).getClass());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException("sparsetrain's data-pipelines on the classpath lacks " + name, e);
      }
    }
    // Spark ML's own readers (e.g. MinMaxScalerModel.load) ship schemas holding these types
    kryo.register(org.apache.spark.ml.linalg.VectorUDT.class);
    kryo.register(org.apache.spark.ml.linalg.MatrixUDT.class);
    kryo.register(java.util.ArrayList.class);
    kryo.register(java.util.TreeMap.class);
  }
}
