package org.sparsetrain.jobs.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.MinMaxScaler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparsetrain.jobs.TestSpark;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sparsetrain.data.DataReaders;

/**
 * {@link SparseMLPClassifier} in one existing session with Kryo's {@code registrationRequired} and
 * our registrator, as a spark-shell user would meet it: fit on Fashion-MNIST, a Pipeline saved and
 * loaded, CrossValidator, bad params, and the README's spark-shell calls.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class SparseMLPClassifierTest {
  static final String FMNIST = "/usr/share/datasets/fashion-mnist";
  static SparkSession spark;
  static final AtomicInteger JOBS = new AtomicInteger();

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    spark = TestSpark.kryo("sparse-mlp-classifier-test").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    spark.sparkContext().addSparkListener(new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart jobStart) {
        JOBS.incrementAndGet();
      }
    });
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static Dataset<Row> fashion(String split, int rows) {
    return DataReaders.idx(spark, FMNIST + "/" + split + "-images-idx3-ubyte.gz", FMNIST + "/" + split + "-labels-idx1-ubyte.gz", 2)
        .limit(rows);
  }

  /** Four Gaussian blobs in 6 dimensions, labels 0..3: learnable by any sensible classifier. */
  static Dataset<Row> blobs(int rows, long seed) {
    return blobs(spark, rows, seed);
  }

  /** The same blobs in {@code session}. */
  static Dataset<Row> blobs(SparkSession session, int rows, long seed) {
    Random r = new Random(seed);
    List<Row> out = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      int c = i % 4;
      double[] x = new double[6];
      for (int f = 0; f < 6; f++) {
        x[f] = r.nextGaussian() * 0.5 + (f % 4 == c ? 3.0 : 0.0);
      }
      out.add(RowFactory.create(Vectors.dense(x), (double) c));
    }
    StructType schema = new StructType().add("features", SQLDataTypes.VectorType(), false)
        .add("label", DataTypes.DoubleType, false);
    return session.createDataFrame(out, schema).repartition(2);
  }

  static double accuracy(Dataset<Row> predictions) {
    return new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(predictions);
  }

  @Test
  void fitsFashionMnistAboveChanceWithProbabilitiesAndRequestedDensities() {
    Dataset<Row> train = fashion("train", 4000);
    Dataset<Row> test = fashion("t10k", 1000);
    SparseMLPClassifier clf = new SparseMLPClassifier().setLayers(new int[] {64}).setSparsity(0.8)
        .setDistribution("uniform").setMethod("set").setUpdateEvery(20).setEpochs(3).setBatchSize(64).setSeed(7);
    SparseMLPClassificationModel model = clf.fit(train);

    assertEquals(784, model.numFeatures());
    assertEquals(10, model.numClasses());
    assertArrayEquals(new int[] {784, 64, 10}, model.layerSizes());
    // uniform: every layer at 1 - 0.8, up to rounding of one weight
    double[] d = model.densities();
    assertEquals(0.2, d[0], 1.0 / (784 * 64));
    assertEquals(0.2, d[1], 1.0 / (64 * 10));
    assertEquals(2, model.masks().size());
    assertEquals(Math.round(0.2 * 784 * 64), model.masks().get(0).nnz(), 1);
    assertEquals(0.8, model.getSparsity());
    assertEquals(clf.uid(), model.parent().uid());

    Dataset<Row> pred = model.transform(test).cache();
    double acc = accuracy(pred);
    assertTrue(acc > 0.6, "test accuracy " + acc + " should be far above chance (0.1)");
    for (Row r : pred.select("probability", "rawPrediction", "prediction").collectAsList()) {
      Vector p = r.getAs(0);
      double sum = 0;
      for (double v : p.toArray()) {
        assertTrue(v >= 0 && v <= 1);
        sum += v;
      }
      assertEquals(1.0, sum, 1e-9);
      assertEquals(((Vector) r.getAs(1)).argmax(), (int) r.getDouble(2), "prediction is the largest logit");
    }
    pred.unpersist();
    // the network for Java users predicts the same classes as transform
    Vector x = test.select("features").head().getAs(0);
    assertEquals(model.predictRaw(x), model.predictRaw(x.toSparse()), "dense and sparse vectors give the same logits");
    assertTrue(model.network().nnz() == model.masks().get(0).nnz() + model.masks().get(1).nnz());
  }

  @Test
  void pipelineWithScalerSavesLoadsAndPredictsIdentically() throws IOException {
    Dataset<Row> data = blobs(400, 1);
    Dataset<Row> fresh = blobs(200, 2);
    SparseMLPClassifier clf = new SparseMLPClassifier().setFeaturesCol("scaled").setLayers(new int[] {16})
        .setSparsity(0.5).setMethod("rigl").setUpdateEvery(5).setEpochs(4).setBatchSize(32).setLearningRate(0.1);
    Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
        new MinMaxScaler().setInputCol("features").setOutputCol("scaled"), clf});
    PipelineModel fitted = pipeline.fit(data);
    String path = dir.resolve("pipeline").toString();
    fitted.write().overwrite().save(path);
    fitted.write().overwrite().save(path); // overwrite really overwrites

    // the shape Spark ML users know: metadata is one JSON line, data is Parquet
    Path stages = dir.resolve("pipeline/stages");
    Path modelDir;
    try (var s = Files.list(stages)) {
      modelDir = s.filter(p -> p.getFileName().toString().contains("sparseMLP")).findFirst().orElseThrow();
    }
    List<String> meta = Files.readAllLines(Files.list(modelDir.resolve("metadata")).filter(p -> p.getFileName()
        .toString().startsWith("part-")).findFirst().orElseThrow());
    assertEquals(1, meta.size());
    assertTrue(meta.get(0).contains("\"formatVersion\":1") && meta.get(0).contains("\"sparsity\":0.5"), meta.get(0));
    assertTrue(Files.list(modelDir.resolve("data")).anyMatch(p -> p.toString().endsWith(".parquet")));

    PipelineModel loaded = PipelineModel.load(path);
    List<Row> a = fitted.transform(fresh).select("prediction", "probability", "rawPrediction").collectAsList();
    List<Row> b = loaded.transform(fresh).select("prediction", "probability", "rawPrediction").collectAsList();
    assertEquals(a, b, "identical predictions, probabilities and logits after save and load");
    assertTrue(accuracy(loaded.transform(fresh)) > 0.8, "the blobs are separable");

    SparseMLPClassificationModel m1 = (SparseMLPClassificationModel) fitted.stages()[1];
    SparseMLPClassificationModel m2 = (SparseMLPClassificationModel) loaded.stages()[1];
    assertEquals(m1.uid(), m2.uid());
    assertArrayEquals(m1.densities(), m2.densities());
    assertEquals("rigl", m2.getMethod());
    assertEquals("scaled", m2.getFeaturesCol());
    for (int l = 0; l < 2; l++) {
      assertArrayEquals(m1.masks().get(l).colIdx(), m2.masks().get(l).colIdx());
    }

    // a model saved alone loads alone; a format version this build does not know is refused by name
    String single = dir.resolve("model").toString();
    m1.write().overwrite().save(single);
    assertEquals(m1.predictRaw(Vectors.dense(new double[] {0, 1, 0, 0, 1, 0})),
        SparseMLPClassificationModel.load(single).predictRaw(Vectors.dense(new double[] {0, 1, 0, 0, 1, 0})));
    Path metaFile;
    try (var s = Files.list(dir.resolve("model/metadata"))) {
      metaFile = s.filter(p -> p.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
    }
    Files.writeString(metaFile, Files.readString(metaFile).replace("\"formatVersion\":1", "\"formatVersion\":99"));
    Files.deleteIfExists(metaFile.resolveSibling("." + metaFile.getFileName() + ".crc")); // hand-edited: no checksum
    var v = assertThrows(IllegalArgumentException.class, () -> SparseMLPClassificationModel.load(single));
    assertTrue(v.getMessage().contains("format version 99"), v.getMessage());

    // the estimator alone persists its params too
    String est = dir.resolve("estimator").toString();
    clf.write().overwrite().save(est);
    SparseMLPClassifier back = SparseMLPClassifier.load(est);
    assertEquals(clf.uid(), back.uid());
    assertArrayEquals(new int[] {16}, back.getLayers());
    assertEquals(0.5, back.getSparsity());
    assertEquals("rigl", back.getMethod());
  }

  @Test
  void crossValidatorOverSparsityRunsAndPicksOne() {
    Dataset<Row> data = blobs(240, 3);
    SparseMLPClassifier clf = new SparseMLPClassifier().setLayers(new int[] {8}).setMethod("set").setUpdateEvery(5)
        .setEpochs(2).setBatchSize(32).setLearningRate(0.1);
    ParamMap[] grid = new ParamGridBuilder().addGrid(clf.sparsity(), new double[] {0.5, 0.8}).build();
    CrossValidatorModel cv = new CrossValidator().setEstimator(clf).setEstimatorParamMaps(grid)
        .setEvaluator(new MulticlassClassificationEvaluator().setMetricName("accuracy")).setNumFolds(2).setSeed(5)
        .fit(data);
    assertEquals(2, cv.avgMetrics().length);
    SparseMLPClassificationModel best = (SparseMLPClassificationModel) cv.bestModel();
    double s = best.getSparsity();
    assertTrue(s == 0.5 || s == 0.8, "picked " + s);
    int bestIdx = cv.avgMetrics()[0] >= cv.avgMetrics()[1] ? 0 : 1;
    assertEquals(bestIdx == 0 ? 0.5 : 0.8, s, "the best model has the sparsity of the best average metric");
    // ERK over 6-8-4 at the picked sparsity: the global density follows the param
    assertEquals(1 - s, best.globalDensity(), 0.02);
  }

  @Test
  void badParamsFailClearlyBeforeAnySparkJob() {
    Dataset<Row> data = blobs(64, 4);
    SparseMLPClassifier clf = new SparseMLPClassifier();
    var e1 = assertThrows(IllegalArgumentException.class, () -> clf.setSparsity(1.0));
    assertTrue(e1.getMessage().contains("sparsity") && e1.getMessage().contains("1.0"), e1.getMessage());
    var e2 = assertThrows(IllegalArgumentException.class, () -> clf.setLayers(new int[] {32, 0}));
    assertTrue(e2.getMessage().contains("layers"), e2.getMessage());
    // the same values through a ParamMap (as CrossValidator passes them) fail as they are put
    assertThrows(IllegalArgumentException.class, () -> new ParamMap().put(clf.sparsity(), 1.0));

    int before = JOBS.get();
    var e3 = assertThrows(IllegalArgumentException.class, () -> new SparseMLPClassifier().setMethod("bogus").fit(data));
    assertTrue(e3.getMessage().contains("unknown sparsity.method 'bogus'") && e3.getMessage().contains("rigl"), e3.getMessage());
    // in a Pipeline the check runs while schemas are checked, before the scaler is fitted
    Pipeline p = new Pipeline().setStages(new PipelineStage[] {
        new MinMaxScaler().setInputCol("features").setOutputCol("scaled"),
        new SparseMLPClassifier().setFeaturesCol("scaled").setMethod("nonesuch")});
    var e4 = assertThrows(IllegalArgumentException.class, () -> p.fit(data));
    assertTrue(e4.getMessage().contains("nonesuch"), e4.getMessage());
    // a features column that is not there fails in the schema check
    var e5 = assertThrows(IllegalArgumentException.class,
        () -> new SparseMLPClassifier().setLayers(new int[] {8}).setMethod("set").setOptimizer("adam").setLrSchedule("cosine")
            .setFeaturesCol("missing").fit(data));
    assertTrue(e5.getMessage().contains("missing"), e5.getMessage());
    assertEquals(before, JOBS.get(), "no Spark job ran for bad params");
  }

  @Test
  void kryoWithRegistrationRequiredNeedsOurRegistratorAndSaysSo() {
    var conf = spark.sparkContext().getConf().clone();
    conf.set("spark.kryo.registrator", org.sparsetrain.training.spark.SparsetrainKryoRegistrator.class.getName());
    var e = assertThrows(IllegalStateException.class, () -> SparseMLPClassifier.checkKryo(conf));
    assertTrue(e.getMessage().contains(SparseMLKryoRegistrator.class.getName()), e.getMessage());
    SparseMLPClassifier.checkKryo(spark.sparkContext().getConf()); // ours is configured: passes
    conf.set("spark.kryo.registrator", "com.example.Theirs," + SparseMLKryoRegistrator.class.getName());
    SparseMLPClassifier.checkKryo(conf); // one of a list is enough
    conf.set("spark.kryo.registrationRequired", "false").set("spark.kryo.registrator", "");
    SparseMLPClassifier.checkKryo(conf); // nothing required: nothing to configure
    conf.set("spark.serializer", "org.apache.spark.serializer.JavaSerializer");
    SparseMLPClassifier.checkKryo(conf); // Java serialization works too: what the trainer broadcasts is Serializable
  }

  /** The README's spark-shell lines (src/test/resources/spark-shell-demo.scala), call for call, in Java. */
  @Test
  void sparkShellSnippetCallsWorkInAnExistingSession() throws IOException {
    String snippet;
    try (InputStream in = getClass().getResourceAsStream("/spark-shell-demo.scala")) {
      snippet = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    for (String call : List.of("DataReaders.idx(spark", ".limit(10000)", ".limit(2000)",
        "new SparseMLPClassifier().setLayers(Array(128)).setSparsity(0.9).setMethod(\"set\").setEpochs(3).fit(train)",
        "model.densities", "new MulticlassClassificationEvaluator().setMetricName(\"accuracy\").evaluate(model.transform(test))")) {
      assertTrue(snippet.contains(call), "the snippet still makes the call this test repeats: " + call);
    }
    SparkSession active = SparkSession.active();
    Dataset<Row> train = DataReaders.idx(active, FMNIST + "/train-images-idx3-ubyte.gz", FMNIST + "/train-labels-idx1-ubyte.gz", 2)
        .limit(10000);
    Dataset<Row> test = DataReaders.idx(active, FMNIST + "/t10k-images-idx3-ubyte.gz", FMNIST + "/t10k-labels-idx1-ubyte.gz", 2)
        .limit(2000);
    SparseMLPClassificationModel model = new SparseMLPClassifier().setLayers(new int[] {128}).setSparsity(0.9)
        .setMethod("set").setEpochs(3).fit(train);
    double[] d = model.densities();
    assertEquals(2, d.length);
    double global = model.globalDensity();
    assertEquals(0.1, global, 0.001, "90 % global sparsity");
    double acc = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(model.transform(test));
    assertTrue(acc > 0.7, "test accuracy " + acc);
    assertTrue(!active.sparkContext().isStopped(), "fit never stops the caller's session");
  }
}
