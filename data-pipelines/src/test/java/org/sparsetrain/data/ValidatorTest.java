package org.sparsetrain.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsetrain.data.Validator.Options;
import org.sparsetrain.data.Validator.Policy;
import org.sparsetrain.training.data.DataBlock;

class ValidatorTest {
  static SparkSession spark;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    spark = TestSpark.session();
  }

  private String csv(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p.toString();
  }

  /** Validating the CSV text with FAIL must throw an error naming the file, the row and the problem. */
  private void failsAt(String text, int features, int classes, long row, String problem) throws IOException {
    String name = "case" + Math.abs(text.hashCode()) + ".csv";
    String f = csv(name, text);
    Dataset<Row> raw = DataReaders.csv(spark, f, CsvOptions.label("y"));
    DataException e = assertThrows(DataException.class, () -> Validator.validate(raw, f, Options.of(features, classes, Policy.FAIL)));
    assertTrue(e.getMessage().contains(name), e.getMessage());
    assertTrue(e.getMessage().contains("row " + row + ": "), e.getMessage());
    assertTrue(e.getMessage().contains(problem), "'" + problem + "' missing in: " + e.getMessage());
    assertEquals(row, e.row());
  }

  @Test
  void nanFeature() throws IOException {
    failsAt("a,b,y\n1,2,0\n1,NaN,1\n", 2, 10, 1, "feature 1 is NaN");
  }

  @Test
  void infiniteFeature() throws IOException {
    failsAt("a,b,y\n1,2,0\n3,4,1\n-Infinity,2,0\n", 2, 10, 2, "feature 0 is -Infinity");
  }

  @Test
  void labelTenWithTenClasses() throws IOException {
    failsAt("a,b,y\n1,2,9\n1,2,10\n", 2, 10, 1, "label 10 outside [0, 10)");
  }

  @Test
  void negativeLabel() throws IOException {
    failsAt("a,y\n1,-1\n", 1, 3, 0, "label -1 outside [0, 3)");
  }

  @Test
  void fractionalLabel() throws IOException {
    failsAt("a,y\n1,0\n1,1\n1,2.5\n", 1, 3, 2, "label 2.5 is not an integer");
  }

  @Test
  void raggedRow() throws IOException {
    failsAt("a,b,y\n1,2,0\n1,2,0\n1,0\n", 2, 3, 2, "ragged row");
  }

  @Test
  void nonNumericCell() throws IOException {
    failsAt("a,b,y\n1,abc,0\n", 2, 3, 0, "non-numeric value 'abc' in column 'b'");
  }

  @Test
  void emptyLabelCell() throws IOException {
    failsAt("a,b,y\n1,2,0\n1,2,\n", 2, 3, 1, "empty cell in column 'y'");
  }

  @Test
  void featureCountDisagreesWithTheModel() throws IOException {
    failsAt("a,b,y\n1,2,0\n", 3, 3, 0, "expected 3 features, found 2");
  }

  @Test
  void libsvmWiderThanTheModel() throws IOException {
    String f = csv("w.libsvm", "1 1:1 2:1\n0 7:1\n");
    Dataset<Row> raw = DataReaders.libsvm(spark, f, 10);
    DataException e = assertThrows(DataException.class, () -> Validator.validate(raw, f, Options.of(5, 2, Policy.FAIL)));
    assertTrue(e.getMessage().contains("w.libsvm: row 0: expected 5 features, found 10"), e.getMessage());
  }

  @Test
  void rowsOfDifferentSizesWhenTheCountComesFromTheData() {
    StructType s = new StructType().add("features", SQLDataTypes.VectorType()).add("label", DataTypes.IntegerType);
    List<Row> rows = Arrays.asList(RowFactory.create(Vectors.dense(1, 2), 0), RowFactory.create(Vectors.dense(1, 2), 1),
        RowFactory.create(Vectors.sparse(3, new int[] {2}, new double[] {1}), 1));
    Dataset<Row> df = spark.createDataFrame(rows, s);
    DataException e = assertThrows(DataException.class, () -> Validator.validate(df, "mem", Options.of(0, 2, Policy.FAIL)));
    assertTrue(e.getMessage().startsWith("mem: row 2: expected 2 features, found 3"), e.getMessage());
  }

  @Test
  void headerOnlyIsEmpty() throws IOException {
    String f = csv("header-only.csv", "a,b,y\n");
    Dataset<Row> raw = DataReaders.csv(spark, f, CsvOptions.label("y"));
    DataException e = assertThrows(DataException.class, () -> Validator.validate(raw, f, Options.of(2, 2, Policy.DROP)));
    assertTrue(e.getMessage().contains("header-only.csv") && e.getMessage().contains("no rows"), e.getMessage());
  }

  @Test
  void allRowsBadLeavesNothing() throws IOException {
    String f = csv("allbad.csv", "a,y\nx,0\n1,7\n");
    Dataset<Row> raw = DataReaders.csv(spark, f, CsvOptions.label("y"));
    DataException e = assertThrows(DataException.class, () -> Validator.validate(raw, f, Options.of(1, 2, Policy.DROP)));
    assertTrue(e.getMessage().contains("no rows left: all 2 rows are bad"), e.getMessage());
  }

  @Test
  void missingLabelColumnInAFrame() {
    StructType s = new StructType().add("features", SQLDataTypes.VectorType()).add("target", DataTypes.IntegerType);
    Dataset<Row> df = spark.createDataFrame(List.of(RowFactory.create(Vectors.dense(1), 0)), s);
    DataException e = assertThrows(DataException.class, () -> Validator.validate(df, "frame", Options.of(1, 2, Policy.FAIL)));
    assertEquals("frame: missing column 'label'", e.getMessage());
  }

  @Test
  void dropPolicyCountsEachKind() throws IOException {
    String f = csv("mixed.csv", "a,b,y\n1,2,0\n1,x,1\n1,NaN,1\n0,0,10\n1,2\n5,6,1\n7,8,2.5\n");
    Dataset<Row> raw = DataReaders.csv(spark, f, CsvOptions.label("y")).repartition(1);
    Validator.Result r = Validator.validate(raw, f, new Options(2, 3, Policy.DROP, 3));
    Validator.Report rep = r.report();
    assertEquals(7, rep.rows());
    assertEquals(2, rep.kept());
    assertEquals(5, rep.dropped());
    assertEquals(2L, rep.problems().get(Validator.PARSE));
    assertEquals(1L, rep.problems().get(Validator.NON_FINITE));
    assertEquals(2L, rep.problems().get(Validator.LABEL));
    assertEquals(3, rep.examples().size());
    List<Row> kept = r.data().collectAsList();
    assertEquals(2, kept.size());
    assertEquals(Arrays.asList("features", "label"), Arrays.asList(r.data().columns()));
    assertEquals(1.0, kept.get(1).getDouble(1));
    // fail policy on the same data stops at the first bad row and counts the rest
    DataException e = assertThrows(DataException.class, () -> Validator.validate(raw, f, Options.of(2, 3, Policy.FAIL)));
    assertTrue(e.getMessage().contains("row 1: non-numeric value 'x'") && e.getMessage().contains("5 bad rows"), e.getMessage());
  }

  @Test
  void goodDataPassesWithFeaturesFromTheData() throws IOException {
    String f = csv("good.csv", "a,b,c,y\n1,2,3,0\n4,5,6,1\n");
    Validator.Result r = Validator.validate(DataReaders.csv(spark, f, CsvOptions.label("y")), f, Options.of(0, 2, Policy.FAIL));
    assertEquals(3, r.report().features());
    assertEquals(2, r.report().kept());
    assertEquals(0, r.report().dropped());
  }

  @Test
  void blockCheckForTheLocalTrainer() {
    DataBlock b = DataBlock.dense(100, 2, new float[] {0, 1, 2, Float.NaN}, new int[] {0, 1});
    DataException e = assertThrows(DataException.class, () -> Validator.check(b, "blk", 2, 2));
    assertEquals("blk: row 101: feature 1 is NaN", e.getMessage());
    DataBlock c = DataBlock.dense(0, 1, new float[] {0, 1}, new int[] {0, 10});
    e = assertThrows(DataException.class, () -> Validator.check(c, "blk", 1, 10));
    assertEquals("blk: row 1: label 10 outside [0, 10)", e.getMessage());
  }
}
