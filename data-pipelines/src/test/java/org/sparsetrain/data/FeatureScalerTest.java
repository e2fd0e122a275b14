package org.sparsetrain.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsetrain.training.data.DataBlock;

class FeatureScalerTest {
  static SparkSession spark;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    spark = TestSpark.session();
  }

  private static Dataset<Row> frame(List<Vector> xs) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < xs.size(); i++) {
      rows.add(RowFactory.create(xs.get(i), (double) (i % 2)));
    }
    return spark.createDataFrame(rows, Columns.SCHEMA).repartition(2);
  }

  private static double[] col(List<Row> rows, int f) {
    return rows.stream().mapToDouble(r -> ((Vector) r.get(0)).apply(f)).toArray();
  }

  @Test
  void minMaxIsFittedOnTheTrainingDataOnly() {
    Dataset<Row> train = frame(List.of(Vectors.dense(1, 10, 5), Vectors.dense(3, 20, 5), Vectors.dense(2, 30, 5)));
    ScalerModel m = FeatureScaler.fit(train, FeatureScaler.Method.MIN_MAX);
    assertArrayEquals(new double[] {1, 10, 5}, m.shift(), 1e-12);
    assertArrayEquals(new double[] {0.5, 0.05, 1}, m.scale(), 1e-12);
    List<Row> t = m.transform(train).collectAsList();
    for (int f = 0; f < 3; f++) {
      for (double v : col(t, f)) {
        assertTrue(v >= 0 && v <= 1, "feature " + f + " value " + v);
      }
    }
    // the test data goes through the same transform, so it may leave [0, 1]
    Vector tv = m.apply(Vectors.dense(5, 10, 6));
    assertArrayEquals(new double[] {2, 0, 1}, tv.toArray(), 1e-12);
  }

  @Test
  void standardGivesZeroMeanUnitSampleStd() {
    List<Vector> xs = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      xs.add(Vectors.dense(i, 3 * i * i - 7, 4));
    }
    Dataset<Row> train = frame(xs);
    ScalerModel m = FeatureScaler.fit(train, FeatureScaler.Method.STANDARD);
    List<Row> t = m.transform(train).collectAsList();
    for (int f = 0; f < 2; f++) {
      double[] c = col(t, f);
      double mean = 0;
      for (double v : c) {
        mean += v / c.length;
      }
      double ss = 0;
      for (double v : c) {
        ss += (v - mean) * (v - mean);
      }
      assertEquals(0, mean, 1e-9);
      assertEquals(1, Math.sqrt(ss / (c.length - 1)), 1e-9);
    }
    assertArrayEquals(new double[50], col(t, 2), 0.0);   // a constant feature maps to 0
  }

  @Test
  void sparseStaysSparseWhenNothingIsShifted() {
    Dataset<Row> train = frame(List.of(Vectors.sparse(4, new int[] {0, 3}, new double[] {2, 4}),
        Vectors.sparse(4, new int[] {1}, new double[] {8}), Vectors.sparse(4, new int[] {0}, new double[] {1})));
    for (FeatureScaler.Method method : new FeatureScaler.Method[] {FeatureScaler.Method.MIN_MAX, FeatureScaler.Method.STANDARD_NO_MEAN}) {
      ScalerModel m = FeatureScaler.fit(train, method);
      for (Row r : m.transform(train).collectAsList()) {
        assertInstanceOf(SparseVector.class, r.get(0));
      }
    }
    ScalerModel mm = FeatureScaler.fit(train, FeatureScaler.Method.MIN_MAX);
    assertArrayEquals(new double[] {0.5, 0, 0, 1}, mm.apply(Vectors.sparse(4, new int[] {0, 3}, new double[] {1, 4})).toArray(), 1e-12);
    ScalerModel st = FeatureScaler.fit(train, FeatureScaler.Method.STANDARD);
    assertInstanceOf(DenseVector.class, st.apply(Vectors.sparse(4, new int[] {1}, new double[] {8})));
  }

  @Test
  void blocksGetTheSameTransformAsFrames() {
    ScalerModel m = new ScalerModel(FeatureScaler.Method.STANDARD, new double[] {1, 2}, new double[] {0.5, 4});
    DataBlock b = DataBlock.dense(7, 2, new float[] {1, 2, 3, 4}, new int[] {0, 1});
    DataBlock t = m.apply(b);
    assertEquals(7, t.firstRow());
    assertArrayEquals(new float[] {0, 0, 1, 8}, t.denseFeatures());
    ScalerModel z = new ScalerModel(FeatureScaler.Method.MIN_MAX, new double[] {0, 0}, new double[] {0.5, 2});
    DataBlock csr = DataBlock.sparse(0, 2, new int[] {0, 1, 2}, new int[] {1, 0}, new float[] {3, 4}, new int[] {1, 0});
    DataBlock zt = z.apply(csr);
    assertTrue(zt.isSparse());
    assertArrayEquals(new float[] {0, 6}, zt.row(0));
    assertArrayEquals(new float[] {2, 0}, zt.row(1));
  }

  @Test
  void jsonRoundTripThroughHadoopFileSystem() {
    ScalerModel m = new ScalerModel(FeatureScaler.Method.MIN_MAX, new double[] {0.25, -1e-300, 3}, new double[] {1, 2.5, 1e10});
    String path = dir.resolve("sub/scaler.json").toUri().toString();
    m.save(path, new Configuration());
    ScalerModel back = ScalerModel.load(path, new Configuration());
    assertEquals(m, back);
    assertEquals(FeatureScaler.Method.MIN_MAX, back.method());
    m.save(path, new Configuration());   // overwrite
    assertEquals(m, ScalerModel.fromJson(m.toJson(), "text"));
  }

  @Test
  void badScalerFiles() throws IOException {
    String[][] cases = {
        {"{\"format\":\"other\"}", "not a scaler"},
        {"{\"format\":\"sparsetrain.scaler\",\"version\":2}", "unsupported scaler version 2"},
        {"{\"format\":\"sparsetrain.scaler\",\"version\":1,\"method\":\"minmax\",\"features\":2,\"shift\":[0],\"scale\":[1,1]}",
            "\"features\" is 2 but shift has 1"},
        {"{\"format\":\"sparsetrain.scaler\",\"version\":1,\"method\":\"minmax\",\"features\":1,\"shift\":[\"a\"],\"scale\":[1]}",
            "\"shift\"[0] is not a number"},
        {"{\"format\":", "not JSON"},
    };
    for (int i = 0; i < cases.length; i++) {
      Path p = dir.resolve("bad" + i + ".json");
      Files.writeString(p, cases[i][0]);
      DataException e = assertThrows(DataException.class, () -> ScalerModel.load(p.toString(), new Configuration()));
      assertTrue(e.getMessage().contains("bad" + i + ".json") && e.getMessage().contains(cases[i][1]), e.getMessage());
    }
    DataException e = assertThrows(DataException.class, () -> ScalerModel.load(dir.resolve("none.json").toString(), new Configuration()));
    assertTrue(e.getMessage().contains("file not found"), e.getMessage());
  }
}
