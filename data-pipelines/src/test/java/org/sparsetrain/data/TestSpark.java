package org.sparsetrain.data;

import org.apache.spark.sql.SparkSession;

/** The test SparkSession: local[2], no UI, 2 shuffle partitions; one per test JVM, shared by the classes. */
final class TestSpark {
  private TestSpark() {}

  static SparkSession session() {
    return SparkSession.builder()
        .master("local[2]")
        .appName("data-pipelines-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate();
  }
}
