package org.sparsetrain.jobs;

import org.apache.spark.sql.SparkSession;
import org.sparsetrain.jobs.ml.SparseMLKryoRegistrator;

/** The session the job tests share the shape of: local[2], no UI, Kryo with every class registered. */
public final class TestSpark {
  private TestSpark() {}

  /** A builder for {@code local[2]} with Kryo, {@code registrationRequired} and our registrator; add settings, then getOrCreate. */
  public static SparkSession.Builder kryo(String appName) {
    return SparkSession.builder().master("local[2]").appName(appName)
        .config("spark.ui.enabled", "false")
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .config("spark.kryo.registrationRequired", "true")
        .config("spark.kryo.registrator", SparseMLKryoRegistrator.class.getName());
  }
}
