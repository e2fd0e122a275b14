package org.sparsetrain.training.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.sparsetrain.training.spark.SparkTestSupport.SPEC;
import static org.sparsetrain.training.spark.SparkTestSupport.data;
import static org.sparsetrain.training.spark.SparkTestSupport.plan;
import static org.sparsetrain.training.spark.SparkTestSupport.rdd;
import static org.sparsetrain.training.spark.SparkTestSupport.split;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sparsetrain.training.TrainResult;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.data.DataBlock;

/**
 * A plain spark-shell uses Spark's default Java serializer: everything the trainer ships must be
 * java.io.Serializable too, and the model is the same as under Kryo.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class JavaSerializerTest {
  @Test
  void trainsUnderTheDefaultJavaSerializerToTheKryoModel() {
    DataBlock all = data(3, 0, 240);
    DataBlock test = data(4, 0, 60);
    TrainingPlan plan = plan(new DropGrowMethod(true, 4, 12, 0.5)).withEpochs(2);
    String kryo;
    try (JavaSparkContext sc = new JavaSparkContext(SparkTestSupport.conf("local[2]", "kryo"))) {
      kryo = new SparkTrainer(sc, SPEC, plan, SparkTestSupport.options(4))
          .train(rdd(sc, split(all, 100, 140)), rdd(sc, List.of(test)), TrainingListener.NONE).fingerprint();
    }
    SparkConf plain = new SparkConf().setMaster("local[2]").setAppName("java-serializer")
        .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1");
    try (JavaSparkContext sc = new JavaSparkContext(plain)) {
      TrainResult r = new SparkTrainer(sc, SPEC, plan, SparkTestSupport.options(4))
          .train(rdd(sc, split(all, 100, 140)), rdd(sc, List.of(test)), TrainingListener.NONE);
      assertEquals(kryo, r.fingerprint());
    }
  }
}
