package org.sparsetrain.data;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.sparsetrain.training.data.DataBlock;

/**
 * Readers of IDX, LIBSVM, CSV and Parquet into a data frame of {@link Columns#RAW_SCHEMA}:
 * {@code features} (ml.linalg vector), {@code label} (double), {@code _file}, {@code _problem}.
 * Sparse inputs (LIBSVM, sparse vector columns) stay sparse.
 *
 * <p>Problems found from the schema or the headers alone (missing file, missing column, wrong
 * type, wrong IDX magic) are thrown at once as a {@link DataException} naming the file. Problems of
 * single rows (a ragged CSV row, a non-numeric cell, a null) do not throw: the row carries a
 * {@code _problem} and a null {@code features}, so that {@link Validator} can fail on the first one
 * or drop them all with counts. Always pass reader output through {@link Validator#validate}.
 */
public final class DataReaders {
  private DataReaders() {}

  static final String CORRUPT = "_corrupt_record";

  // ---------------------------------------------------------------- IDX

  /** IDX images and labels, read on the executors in {@code partitions} contiguous ranges. */
  public static Dataset<Row> idx(SparkSession spark, String imagesPath, String labelsPath, int partitions) {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<DataBlock> blocks = IdxReader.rdd(sc, imagesPath, labelsPath, partitions);
    JavaRDD<Row> rows = blocks.flatMap(b -> new BlockRows(b, imagesPath));
    return spark.createDataFrame(rows, Columns.RAW_SCHEMA);
  }

  /** The rows of a dense block as raw rows. */
  private static final class BlockRows implements Iterator<Row> {
    private final DataBlock block;
    private final String file;
    private int r;

    BlockRows(DataBlock block, String file) {
      this.block = block;
      this.file = file;
    }

    @Override public boolean hasNext() { return r < block.rows(); }

    @Override
    public Row next() {
      float[] x = block.row(r);
      double[] d = new double[x.length];
      for (int i = 0; i < x.length; i++) {
        d[i] = x[i];
      }
      Row row = RowFactory.create(Vectors.dense(d), (double) block.label(r), file, null);
      r++;
      return row;
    }
  }

  // ---------------------------------------------------------------- LIBSVM

  /**
   * LIBSVM text through Spark's {@code libsvm} source (1-based indices in the file, 0-based in the
   * vector; sparse vectors). {@code numFeatures <= 0} lets Spark find it with an extra pass.
   * Lines that do not parse fail the read (Spark's parser has no per-row mode); the error names the
   * file, the parser's complaint and the line.
   */
  public static Dataset<Row> libsvm(SparkSession spark, String path, int numFeatures) {
    try {
      DataFrameReader r = spark.read().format("libsvm");
      if (numFeatures > 0) {
        r = r.option("numFeatures", numFeatures);
      }
      Dataset<Row> df = r.load(path);
      return df.select(col("features"), col("label"), input_file_name().as(Columns.FILE),
          lit(null).cast(DataTypes.StringType).as(Columns.PROBLEM));
    } catch (DataException e) {
      throw e;
    } catch (Exception e) {
      throw wrap(path, e);
    }
  }

  // ---------------------------------------------------------------- CSV

  /** CSV with the label column by name and feature columns by name, index range or "all others". */
  public static Dataset<Row> csv(SparkSession spark, String path, CsvOptions o) {
    String[] names;
    try {
      names = spark.read().option("header", o.header()).option("sep", o.separator()).option("inferSchema", false)
          .csv(path).columns();
    } catch (Exception e) {
      throw wrap(path, e);
    }
    if (names.length == 0) {
      throw new DataException(path, "empty file: no " + (o.header() ? "header line" : "columns"));
    }
    List<String> cols = Arrays.asList(names);
    int label = cols.indexOf(o.label());
    if (label < 0) {
      throw new DataException(path, "missing column '" + o.label() + "' (the label; columns are " + abbreviate(cols) + ")");
    }
    int[] features;
    if (o.featureNames() != null) {
      features = new int[o.featureNames().size()];
      for (int i = 0; i < features.length; i++) {
        String f = o.featureNames().get(i);
        features[i] = cols.indexOf(f);
        if (features[i] < 0) {
          throw new DataException(path, "missing column '" + f + "' (a feature; columns are " + abbreviate(cols) + ")");
        }
      }
    } else if (o.fromIndex() >= 0) {
      if (o.toIndex() > names.length) {
        throw new DataException(path, "feature columns [" + o.fromIndex() + ", " + o.toIndex() + ") outside the "
            + names.length + " columns of the file");
      }
      features = new int[o.toIndex() - o.fromIndex()];
      for (int i = 0; i < features.length; i++) {
        features[i] = o.fromIndex() + i;
      }
    } else {
      features = new int[names.length - 1];
      for (int i = 0, k = 0; i < names.length; i++) {
        if (i != label) {
          features[k++] = i;
        }
      }
    }
    if (features.length == 0) {
      throw new DataException(path, "no feature columns: the file has only the label column '" + o.label() + "'");
    }
    for (int f : features) {
      if (f == label) {
        throw new DataException(path, "the label column '" + o.label() + "' is also given as a feature column");
      }
    }
    StructType schema = new StructType();
    for (String n : names) {
      schema = schema.add(n, DataTypes.StringType, true);
    }
    schema = schema.add(CORRUPT, DataTypes.StringType, true);
    try {
      Dataset<Row> df = spark.read().schema(schema)
          .option("header", o.header()).option("sep", o.separator())
          .option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", CORRUPT)
          .csv(path)
          .withColumn(Columns.FILE, input_file_name());
      CsvRowParser parser = new CsvRowParser(names, label, features, names.length, names.length + 1, o.separator());
      return df.map(parser, Encoders.row(Columns.RAW_SCHEMA));
    } catch (Exception e) {
      throw wrap(path, e);
    }
  }

  /** Parses one CSV row of strings. */
  static final class CsvRowParser implements MapFunction<Row, Row>, Serializable {
    private static final long serialVersionUID = 1L;
    private final String[] names;
    private final int label;
    private final int[] features;
    private final int corrupt;
    private final int file;
    private final String sep;

    CsvRowParser(String[] names, int label, int[] features, int corrupt, int file, String sep) {
      this.names = names;
      this.label = label;
      this.features = features;
      this.corrupt = corrupt;
      this.file = file;
      this.sep = sep;
    }

    @Override
    public Row call(Row r) {
      String f = r.getString(file);
      String bad = r.getString(corrupt);
      if (bad != null) {
        int tokens = bad.split(java.util.regex.Pattern.quote(sep), -1).length;
        String what = tokens != names.length
            ? "ragged row: " + tokens + " columns where the header has " + names.length
            : "malformed CSV row";
        return problem(f, what + ": '" + abbreviate(bad) + "'");
      }
      double y;
      try {
        y = cell(r, label);
      } catch (IllegalArgumentException e) {
        return problem(f, e.getMessage());
      }
      double[] x = new double[features.length];
      for (int i = 0; i < features.length; i++) {
        try {
          x[i] = cell(r, features[i]);
        } catch (IllegalArgumentException e) {
          return problem(f, e.getMessage());
        }
      }
      return RowFactory.create(Vectors.dense(x), y, f, null);
    }

    private double cell(Row r, int i) {
      String s = r.getString(i);
      if (s == null || s.isBlank()) {
        throw new IllegalArgumentException("empty cell in column '" + names[i] + "'");
      }
      try {
        return Double.parseDouble(s.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("non-numeric value '" + abbreviate(s) + "' in column '" + names[i] + "'");
      }
    }
  }

  // ---------------------------------------------------------------- Parquet

  /** Parquet with a vector (or array) features column, or numeric feature columns, and a numeric label. */
  public static Dataset<Row> parquet(SparkSession spark, String path, ParquetOptions o) {
    Dataset<Row> df;
    try {
      df = spark.read().parquet(path);
    } catch (Exception e) {
      throw wrap(path, e);
    }
    StructType s = df.schema();
    List<String> all = Arrays.asList(s.fieldNames());
    requireNumeric(path, s, all, o.label(), "label");
    List<Column> select = new ArrayList<>();
    select.add(col(quote(o.label())));
    int kind;
    String[] featureNames;
    if (o.vectorColumn() != null) {
      String v = o.vectorColumn();
      if (!all.contains(v)) {
        throw new DataException(path, "missing column '" + v + "' (the features; columns are " + abbreviate(all) + ")");
      }
      DataType t = s.apply(v).dataType();
      if (t.equals(SQLDataTypes.VectorType())) {
        kind = ParquetRowParser.VECTOR;
      } else if (t instanceof ArrayType a && a.elementType() instanceof NumericType) {
        kind = ParquetRowParser.ARRAY;
      } else {
        throw new DataException(path, "column '" + v + "' has type " + t.simpleString()
            + ", expected an ml.linalg vector or an array of numbers");
      }
      select.add(col(quote(v)));
      featureNames = new String[] {v};
    } else {
      for (String c : o.numericColumns()) {
        requireNumeric(path, s, all, c, "feature");
        select.add(col(quote(c)));
      }
      kind = ParquetRowParser.COLUMNS;
      featureNames = o.numericColumns().toArray(new String[0]);
    }
    select.add(input_file_name().as(Columns.FILE));
    try {
      return df.select(select.toArray(new Column[0]))
          .map(new ParquetRowParser(kind, o.label(), featureNames), Encoders.row(Columns.RAW_SCHEMA));
    } catch (Exception e) {
      throw wrap(path, e);
    }
  }

  private static void requireNumeric(String path, StructType s, List<String> all, String c, String role) {
    if (!all.contains(c)) {
      throw new DataException(path, "missing column '" + c + "' (the " + role + "; columns are " + abbreviate(all) + ")");
    }
    StructField f = s.apply(c);
    if (!(f.dataType() instanceof NumericType)) {
      throw new DataException(path, "column '" + c + "' (the " + role + ") has type " + f.dataType().simpleString()
          + ", expected a number");
    }
  }

  /** Turns a projected Parquet row (label, features…, file) into a raw row. */
  static final class ParquetRowParser implements MapFunction<Row, Row>, Serializable {
    private static final long serialVersionUID = 1L;
    static final int VECTOR = 0;
    static final int ARRAY = 1;
    static final int COLUMNS = 2;
    private final int kind;
    private final String label;
    private final String[] features;

    ParquetRowParser(int kind, String label, String[] features) {
      this.kind = kind;
      this.label = label;
      this.features = features;
    }

    @Override
    public Row call(Row r) {
      int fileIdx = r.length() - 1;
      String f = r.getString(fileIdx);
      if (r.isNullAt(0)) {
        return problem(f, "null in column '" + label + "' (the label)");
      }
      double y = ((Number) r.get(0)).doubleValue();
      Vector x;
      if (kind == VECTOR) {
        if (r.isNullAt(1)) {
          return problem(f, "null in column '" + features[0] + "'");
        }
        x = (Vector) r.get(1);
      } else if (kind == ARRAY) {
        if (r.isNullAt(1)) {
          return problem(f, "null in column '" + features[0] + "'");
        }
        List<Object> a = r.getList(1);
        double[] d = new double[a.size()];
        for (int i = 0; i < d.length; i++) {
          Object v = a.get(i);
          if (v == null) {
            return problem(f, "null at index " + i + " of column '" + features[0] + "'");
          }
          d[i] = ((Number) v).doubleValue();
        }
        x = Vectors.dense(d);
      } else {
        double[] d = new double[features.length];
        for (int i = 0; i < d.length; i++) {
          if (r.isNullAt(1 + i)) {
            return problem(f, "null in column '" + features[i] + "'");
          }
          d[i] = ((Number) r.get(1 + i)).doubleValue();
        }
        x = Vectors.dense(d);
      }
      return RowFactory.create(x, y, f, null);
    }
  }

  // ---------------------------------------------------------------- helpers

  static Row problem(String file, String problem) {
    return RowFactory.create(null, Double.NaN, file, problem);
  }

  private static String quote(String name) {
    return "`" + name.replace("`", "``") + "`";
  }

  static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }

  static String abbreviate(List<String> cols) {
    return cols.size() <= 12 ? String.join(", ", cols)
        : String.join(", ", cols.subList(0, 10)) + ", … (" + cols.size() + " in all)";
  }

  /** A Spark read failure as a DataException naming the path and the innermost cause. */
  static DataException wrap(String path, Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String msg = String.valueOf(e.getMessage());
    if (msg.contains("PATH_NOT_FOUND") || msg.contains("Path does not exist") || root instanceof java.io.FileNotFoundException) {
      return new DataException(path, "file not found", e);
    }
    if (msg.contains("UNABLE_TO_INFER_SCHEMA") && !msg.contains("CSV")) {
      return new DataException(path, "empty or not a Parquet data set: no schema to read", e);
    }
    String rm = root.getMessage() == null ? root.toString() : root.getClass().getSimpleName() + ": " + root.getMessage();
    return new DataException(path, "cannot read: " + abbreviateLong(rm), e);
  }

  private static String abbreviateLong(String s) {
    return s.length() <= 400 ? s : s.substring(0, 397) + "...";
  }
}
