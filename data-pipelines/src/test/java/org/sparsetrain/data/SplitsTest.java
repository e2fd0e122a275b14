package org.sparsetrain.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SplitsTest {
  static SparkSession spark;
  static List<Row> rows = new ArrayList<>();

  @BeforeAll
  static void start() {
    spark = TestSpark.session();
    for (int i = 0; i < 1000; i++) {
      // classes 0/1/2 with 600/300/100 rows
      int y = i % 10 < 6 ? 0 : i % 10 < 9 ? 1 : 2;
      rows.add(RowFactory.create(Vectors.dense(i), (double) y));
    }
  }

  private static Dataset<Row> data(int partitions) {
    return spark.createDataFrame(spark.sparkContext().parallelize(
        scala.jdk.javaapi.CollectionConverters.asScala(rows).toSeq(), partitions,
        scala.reflect.ClassTag$.MODULE$.apply(Row.class)), Columns.SCHEMA);
  }

  private static List<Integer> ids(Dataset<Row> d) {
    List<Integer> out = new ArrayList<>();
    for (Row r : d.collectAsList()) {
      out.add((int) ((Vector) r.get(0)).apply(0));
    }
    return out;
  }

  private static int[] classCounts(Dataset<Row> d) {
    int[] c = new int[3];
    for (Row r : d.collectAsList()) {
      c[(int) r.getDouble(1)]++;
    }
    return c;
  }

  @Test
  void exactSizesDisjointAndComplete() {
    Splits.Result s = Splits.split(data(4), 0.7, 0.15, 0.15, 11L, false);
    assertEquals(700, s.trainRows());
    assertEquals(150, s.validationRows());
    assertEquals(150, s.testRows());
    List<Integer> tr = ids(s.train());
    List<Integer> va = ids(s.validation());
    List<Integer> te = ids(s.test());
    assertEquals(700, tr.size());
    assertEquals(150, va.size());
    assertEquals(150, te.size());
    Set<Integer> all = new HashSet<>(tr);
    all.addAll(va);
    all.addAll(te);
    assertEquals(1000, all.size());
    // each split keeps data set order
    assertEquals(tr.stream().sorted().toList(), tr);
  }

  @Test
  void deterministicAcrossRunsAndPartitionings() {
    List<Integer> a = ids(Splits.split(data(4), 0.8, 0.1, 0.1, 5L, false).test());
    List<Integer> b = ids(Splits.split(data(4), 0.8, 0.1, 0.1, 5L, false).test());
    List<Integer> c = ids(Splits.split(data(3), 0.8, 0.1, 0.1, 5L, false).test());
    List<Integer> d = ids(Splits.split(data(4), 0.8, 0.1, 0.1, 6L, false).test());
    assertEquals(a, b);
    assertEquals(a, c);
    assertNotEquals(a, d);
  }

  @Test
  void stratifiedKeepsClassProportions() {
    Splits.Result s = Splits.split(data(3), 0.7, 0.2, 0.1, 3L, true);
    int[] tr = classCounts(s.train());
    int[] va = classCounts(s.validation());
    int[] te = classCounts(s.test());
    assertEquals(List.of(420, 210, 70), List.of(tr[0], tr[1], tr[2]));
    assertEquals(List.of(120, 60, 20), List.of(va[0], va[1], va[2]));
    assertEquals(List.of(60, 30, 10), List.of(te[0], te[1], te[2]));
    assertEquals(700, s.trainRows());
  }

  @Test
  void badWeights() {
    assertThrows(IllegalArgumentException.class, () -> Splits.split(data(1), -0.1, 0.5, 0.5, 1L, false));
    assertThrows(IllegalArgumentException.class, () -> Splits.split(data(1), 0, 0, 0, 1L, false));
  }
}
