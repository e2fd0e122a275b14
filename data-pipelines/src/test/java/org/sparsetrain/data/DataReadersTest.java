package org.sparsetrain.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
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

class DataReadersTest {
  static SparkSession spark;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    spark = TestSpark.session();
  }

  private String file(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p.toString();
  }

  private static double[] x(Row r) {
    return ((Vector) r.getAs(Columns.FEATURES)).toArray();
  }

  @Test
  void csvByHeaderNamesRangeAndDefault() throws IOException {
    String f = file("a.csv", "id,p0,p1,y,p2\n0,1.5,2,1,3\n1,-1,0,0,4e1\n");
    List<Row> all = DataReaders.csv(spark, f, CsvOptions.label("y")).collectAsList();
    assertEquals(2, all.size());
    assertArrayEquals(new double[] {0, 1.5, 2, 3}, x(all.get(0)));
    assertEquals(1.0, all.get(0).<Double>getAs(Columns.LABEL));
    assertNull(all.get(0).getAs(Columns.PROBLEM));
    assertTrue(all.get(0).<String>getAs(Columns.FILE).endsWith("a.csv"));
    List<Row> named = DataReaders.csv(spark, f, CsvOptions.label("y").features("p2", "p0")).collectAsList();
    assertArrayEquals(new double[] {40, -1}, x(named.get(1)));
    List<Row> range = DataReaders.csv(spark, f, CsvOptions.label("y").featureRange(1, 3)).collectAsList();
    assertArrayEquals(new double[] {1.5, 2}, x(range.get(0)));
    String noHeader = file("b.csv", "3;0.5;0.25\n1;1;2\n");
    List<Row> nh = DataReaders.csv(spark, noHeader, CsvOptions.label("_c0").header(false).separator(";")).collectAsList();
    assertEquals(3.0, nh.get(0).<Double>getAs(Columns.LABEL));
    assertArrayEquals(new double[] {1, 2}, x(nh.get(1)));
  }

  @Test
  void csvRowProblemsAreMarkedNotThrown() throws IOException {
    String f = file("bad.csv", "a,b,y\n1,2,0\n1,2\n1,x,1\n1,,1\n1,2,3,4\n");
    List<Row> rows = DataReaders.csv(spark, f, CsvOptions.label("y")).collectAsList();
    assertEquals(5, rows.size());
    assertNull(rows.get(0).getAs(Columns.PROBLEM));
    assertTrue(rows.get(1).<String>getAs(Columns.PROBLEM).contains("ragged row: 2 columns where the header has 3"), rows.get(1).toString());
    assertTrue(rows.get(2).<String>getAs(Columns.PROBLEM).contains("non-numeric value 'x' in column 'b'"));
    assertTrue(rows.get(3).<String>getAs(Columns.PROBLEM).contains("empty cell in column 'b'"));
    assertTrue(rows.get(4).<String>getAs(Columns.PROBLEM).contains("ragged row: 4 columns"), rows.get(4).toString());
    assertNull(rows.get(4).getAs(Columns.FEATURES));
  }

  @Test
  void csvErrorsFoundFromTheHeader() throws IOException {
    String f = file("h.csv", "a,b,y\n1,2,0\n");
    DataException e = assertThrows(DataException.class, () -> DataReaders.csv(spark, f, CsvOptions.label("target")));
    assertTrue(e.getMessage().contains("h.csv") && e.getMessage().contains("missing column 'target'"), e.getMessage());
    e = assertThrows(DataException.class, () -> DataReaders.csv(spark, f, CsvOptions.label("y").features("a", "c")));
    assertTrue(e.getMessage().contains("missing column 'c'"), e.getMessage());
    e = assertThrows(DataException.class, () -> DataReaders.csv(spark, f, CsvOptions.label("y").featureRange(0, 5)));
    assertTrue(e.getMessage().contains("outside the 3 columns"), e.getMessage());
    String empty = file("empty.csv", "");
    e = assertThrows(DataException.class, () -> DataReaders.csv(spark, empty, CsvOptions.label("y")));
    assertTrue(e.getMessage().contains("empty.csv") && e.getMessage().contains("empty file"), e.getMessage());
    e = assertThrows(DataException.class, () -> DataReaders.csv(spark, dir.resolve("gone.csv").toString(), CsvOptions.label("y")));
    assertTrue(e.getMessage().contains("gone.csv") && e.getMessage().contains("file not found"), e.getMessage());
  }

  @Test
  void libsvmStaysSparse() throws IOException {
    String f = file("d.libsvm", "1 1:0.5 4:2\n0 2:1.5\n2 3:-1 5:1e-3\n");
    List<Row> rows = DataReaders.libsvm(spark, f, 6).collectAsList();
    assertEquals(3, rows.size());
    Vector v = rows.get(0).getAs(Columns.FEATURES);
    assertInstanceOf(SparseVector.class, v);
    assertEquals(6, v.size());
    assertArrayEquals(new double[] {0.5, 0, 0, 2, 0, 0}, v.toArray());
    assertEquals(2.0, rows.get(2).<Double>getAs(Columns.LABEL));
    // without numFeatures, Spark finds it from the largest index
    assertEquals(5, DataReaders.libsvm(spark, f, 0).first().<Vector>getAs(Columns.FEATURES).size());
  }

  @Test
  void libsvmMalformedLineNamesFileAndLine() throws IOException {
    String f = file("bad.libsvm", "1 1:0.5 4:2\n0 4:1 2:1.5\n");
    DataException e = assertThrows(DataException.class, () -> DataReaders.libsvm(spark, f, 0).collectAsList());
    assertTrue(e.getMessage().contains("bad.libsvm") && e.getMessage().contains("ascending order"), e.getMessage());
    String g = file("bad2.libsvm", "1 1:0.5\nabc 2:1\n");
    e = assertThrows(DataException.class, () -> DataReaders.libsvm(spark, g, 0));
    assertTrue(e.getMessage().contains("bad2.libsvm") && e.getMessage().contains("abc"), e.getMessage());
  }

  @Test
  void parquetVectorArrayAndNumericColumns() {
    StructType schema = new StructType()
        .add("vec", SQLDataTypes.VectorType())
        .add("arr", DataTypes.createArrayType(DataTypes.FloatType))
        .add("a", DataTypes.IntegerType)
        .add("b", DataTypes.DoubleType)
        .add("y", DataTypes.LongType)
        .add("name", DataTypes.StringType);
    List<Row> data = Arrays.asList(
        RowFactory.create(Vectors.sparse(5, new int[] {1, 3}, new double[] {1, 2}), Arrays.asList(1f, 2f), 7, 0.5, 1L, "x"),
        RowFactory.create(Vectors.dense(1, 2, 3, 4, 5), Arrays.asList(3f, 4f), 8, null, 0L, "y"));
    String path = dir.resolve("p.parquet").toString();
    spark.createDataFrame(data, schema).coalesce(1).write().parquet(path);

    List<Row> v = DataReaders.parquet(spark, path, ParquetOptions.vector("vec", "y")).collectAsList();
    assertInstanceOf(SparseVector.class, v.get(0).getAs(Columns.FEATURES));
    assertInstanceOf(DenseVector.class, v.get(1).getAs(Columns.FEATURES));
    assertEquals(1.0, v.get(0).<Double>getAs(Columns.LABEL));
    List<Row> a = DataReaders.parquet(spark, path, ParquetOptions.vector("arr", "y")).collectAsList();
    assertArrayEquals(new double[] {3, 4}, x(a.get(1)));
    List<Row> c = DataReaders.parquet(spark, path, ParquetOptions.columns("y", "b", "a")).collectAsList();
    assertArrayEquals(new double[] {0.5, 7}, x(c.get(0)));
    assertTrue(c.get(1).<String>getAs(Columns.PROBLEM).contains("null in column 'b'"));

    DataException e = assertThrows(DataException.class, () -> DataReaders.parquet(spark, path, ParquetOptions.columns("y", "a", "zz")));
    assertTrue(e.getMessage().contains("p.parquet") && e.getMessage().contains("missing column 'zz'"), e.getMessage());
    e = assertThrows(DataException.class, () -> DataReaders.parquet(spark, path, ParquetOptions.columns("name", "a")));
    assertTrue(e.getMessage().contains("column 'name' (the label) has type string, expected a number"), e.getMessage());
    e = assertThrows(DataException.class, () -> DataReaders.parquet(spark, path, ParquetOptions.vector("name", "y")));
    assertTrue(e.getMessage().contains("expected an ml.linalg vector"), e.getMessage());
    e = assertThrows(DataException.class, () -> DataReaders.parquet(spark, dir.resolve("none.parquet").toString(), ParquetOptions.vector("v", "y")));
    assertTrue(e.getMessage().contains("none.parquet") && e.getMessage().contains("file not found"), e.getMessage());
  }

  @Test
  void idxAsDataFrameInRowOrder() {
    String img = IdxFiles.write(dir, "img.gz", IdxFiles.gzip(IdxFiles.images(11, 2, 3)));
    String lab = IdxFiles.write(dir, "lab", IdxFiles.labels(11, 4));
    Dataset<Row> df = DataReaders.idx(spark, img, lab, 3);
    assertEquals(3, df.rdd().getNumPartitions());
    List<Row> rows = df.collectAsList();
    assertEquals(11, rows.size());
    for (int i = 0; i < 11; i++) {
      assertEquals(i % 4, rows.get(i).<Double>getAs(Columns.LABEL));
      assertEquals(IdxFiles.pixel(i, 5) / 255f, (float) x(rows.get(i))[5], 0f);
    }
  }

  @Test
  void fashionMnistTestSetAsDataFrame() {
    String d = IdxReaderTest.FASHION;
    assumeTrue(Files.isDirectory(Path.of(d)), "dataset-fashion-mnist is not installed");
    Dataset<Row> df = DataReaders.idx(spark, d + "/t10k-images-idx3-ubyte.gz", d + "/t10k-labels-idx1-ubyte.gz", 2);
    assertEquals(10000, df.count());
    assertEquals(784, df.first().<Vector>getAs(Columns.FEATURES).size());
  }
}
