package org.sparsetrain.data;

import static org.apache.spark.sql.functions.col;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.function.FilterFunction;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparsetrain.training.data.DataBlock;

/**
 * Checks data before training, in one pass on the cluster: the data set is not empty, every row
 * parsed, has the feature count the model expects, holds no NaN or infinity, and has an integral
 * label in [0, classes). With {@link Policy#FAIL} the first bad row (in data set order) is thrown as
 * a {@link DataException} naming its file, its row and the problem; with {@link Policy#DROP} bad
 * rows are filtered out and counted per kind of problem in the {@link Report}.
 *
 * <p>Rows are numbered from 0 in data set order: for one file, the n-th data row of the file (a
 * CSV header line is not counted).
 */
public final class Validator {
  private static final Logger LOG = LoggerFactory.getLogger(Validator.class);

  private Validator() {}

  /** What to do with a bad row. */
  public enum Policy {
    /** Stop at the first bad row with an error naming it (the default). */
    FAIL,
    /** Leave bad rows out and report how many of each kind. */
    DROP;

    public static Policy parse(String s) {
      for (Policy p : values()) {
        if (p.name().equalsIgnoreCase(s.trim())) {
          return p;
        }
      }
      throw new IllegalArgumentException("unknown bad-row policy '" + s + "' (known: fail, drop)");
    }
  }

  /**
   * @param features the feature count the model expects, or 0 to take it from the first good row
   *                 (then every row must agree with that row)
   * @param classes  labels must be integers in [0, classes)
   * @param policy   fail or drop
   * @param examples how many bad rows to describe in the report (default 10)
   */
  public record Options(int features, int classes, Policy policy, int examples) implements Serializable {
    public Options {
      if (features < 0) {
        throw new IllegalArgumentException("features must be >= 0 (0: from the data), got " + features);
      }
      if (classes < 1) {
        throw new IllegalArgumentException("classes must be >= 1, got " + classes);
      }
      if (policy == null) {
        throw new IllegalArgumentException("policy must be fail or drop");
      }
      if (examples < 0) {
        throw new IllegalArgumentException("examples must be >= 0, got " + examples);
      }
    }

    public static Options of(int features, int classes, Policy policy) {
      return new Options(features, classes, policy, 10);
    }
  }

  /** Counts of one validation pass. {@code problems} maps a kind of problem to its row count. */
  public record Report(String source, long rows, long kept, long dropped, int features,
                       Map<String, Long> problems, List<String> examples) implements Serializable {
    @Override
    public String toString() {
      return source + ": " + rows + " rows, " + kept + " kept, " + dropped + " dropped, " + features + " features"
          + (problems.isEmpty() ? "" : ", problems " + problems) + (examples.isEmpty() ? "" : ", e.g. " + examples);
    }
  }

  /** The checked data ({@link Columns#SCHEMA}: features, label) and the counts. */
  public record Result(Dataset<Row> data, Report report) {}

  /** Kinds of problem, the keys of {@link Report#problems()}. */
  public static final String PARSE = "unparseable";
  public static final String FEATURE_COUNT = "feature count";
  public static final String NON_FINITE = "NaN or infinite feature";
  public static final String LABEL = "bad label";

  /**
   * Validates reader output (or any frame with a {@code features} vector column and a numeric
   * {@code label}; {@code _file} and {@code _problem} are used when present). {@code source} names
   * the data in errors when a row has no {@code _file}.
   */
  public static Result validate(Dataset<Row> data, String source, Options o) {
    StructType s = data.schema();
    List<String> names = List.of(s.fieldNames());
    if (!names.contains(Columns.FEATURES)) {
      throw new DataException(source, "missing column '" + Columns.FEATURES + "'");
    }
    if (!names.contains(Columns.LABEL)) {
      throw new DataException(source, "missing column '" + Columns.LABEL + "'");
    }
    int features = o.features();
    RowCheck probe = new RowCheck(s, 0, o.classes());
    if (features == 0) {
      try {
        List<Row> first = data.filter((FilterFunction<Row>) r -> probe.parsedVector(r) != null).takeAsList(1);
        features = first.isEmpty() ? 0 : probe.parsedVector(first.get(0)).size();
      } catch (RuntimeException e) {
        throw rethrow(source, e);
      }
    }
    RowCheck check = new RowCheck(s, features, o.classes());
    int maxExamples = Math.max(o.examples(), 1);
    List<PartSummary> parts;
    try {
      parts = data.toJavaRDD()
          .mapPartitionsWithIndex((p, it) -> Collections.singletonList(check.summarise(p, it, maxExamples)).iterator(), true)
          .collect();
    } catch (RuntimeException e) {
      throw rethrow(source, e);
    }
    parts = new ArrayList<>(parts);
    parts.sort((a, b) -> Integer.compare(a.partition, b.partition));
    long rows = 0;
    long bad = 0;
    Map<String, Long> kinds = new TreeMap<>();
    List<String> examples = new ArrayList<>();
    DataException first = null;
    for (PartSummary ps : parts) {
      for (BadRow b : ps.bad) {
        String file = b.file == null || b.file.isEmpty() ? source : b.file;
        if (first == null) {
          first = new DataException(file, rows + b.local, b.problem);
        }
        if (examples.size() < o.examples()) {
          examples.add(DataException.format(file, rows + b.local, b.problem));
        }
      }
      rows += ps.rows;
      bad += ps.badCount;
      ps.kinds.forEach((k, v) -> kinds.merge(k, v, Long::sum));
    }
    if (rows == 0) {
      throw new DataException(source, "no rows: the data set is empty");
    }
    if (bad > 0 && o.policy() == Policy.FAIL) {
      String more = bad == 1 ? "" : " (" + bad + " bad rows in all: " + kinds + "; the drop policy would skip them)";
      throw new DataException(first.source(), first.row(), first.problem() + more);
    }
    if (bad == rows) {
      throw new DataException(source, "no rows left: all " + rows + " rows are bad " + kinds + ", e.g. " + first.getMessage());
    }
    Report report = new Report(source, rows, rows - bad, bad, features, Collections.unmodifiableMap(new LinkedHashMap<>(kinds)),
        List.copyOf(examples));
    if (bad > 0) {
      LOG.warn("{}", report);
    } else {
      LOG.info("{}", report);
    }
    Dataset<Row> clean = bad == 0 ? data : data.filter((FilterFunction<Row>) r -> check.problem(r) == null);
    clean = clean.select(col(Columns.FEATURES), col(Columns.LABEL).cast(DataTypes.DoubleType).as(Columns.LABEL));
    return new Result(clean, report);
  }

  private static DataException rethrow(String source, RuntimeException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof DataException d) {
        return d;
      }
    }
    return DataReaders.wrap(source, e);
  }

  /**
   * Checks a block for the {@code LocalTrainer} path: feature count, finite values, labels in
   * [0, classes). Rows are named by their global id.
   */
  public static void check(DataBlock block, String source, int features, int classes) {
    if (block.rows() == 0) {
      throw new DataException(source, "no rows: the data set is empty");
    }
    if (features > 0 && block.features() != features) {
      throw new DataException(source, "expected " + features + " features, found " + block.features());
    }
    for (int r = 0; r < block.rows(); r++) {
      int y = block.label(r);
      if (y < 0 || y >= classes) {
        throw new DataException(source, block.firstRow() + r, "label " + y + " outside [0, " + classes + ")");
      }
      float[] x = block.row(r);
      for (int f = 0; f < x.length; f++) {
        if (!Float.isFinite(x[f])) {
          throw new DataException(source, block.firstRow() + r, "feature " + f + " is " + x[f]);
        }
      }
    }
  }

  /** One partition's counts and first bad rows. */
  static final class PartSummary implements Serializable {
    private static final long serialVersionUID = 1L;
    int partition;
    long rows;
    long badCount;
    Map<String, Long> kinds = new TreeMap<>();
    List<BadRow> bad = new ArrayList<>();
  }

  record BadRow(long local, String file, String problem) implements Serializable {}

  /** The checks of one row. */
  static final class RowCheck implements Serializable {
    private static final long serialVersionUID = 1L;
    private final int featuresIdx;
    private final int labelIdx;
    private final int fileIdx;
    private final int problemIdx;
    private final int features;
    private final int classes;

    RowCheck(StructType s, int features, int classes) {
      List<String> n = List.of(s.fieldNames());
      this.featuresIdx = n.indexOf(Columns.FEATURES);
      this.labelIdx = n.indexOf(Columns.LABEL);
      this.fileIdx = n.indexOf(Columns.FILE);
      this.problemIdx = n.indexOf(Columns.PROBLEM);
      this.features = features;
      this.classes = classes;
    }

    Vector parsedVector(Row r) {
      if (problemIdx >= 0 && !r.isNullAt(problemIdx)) {
        return null;
      }
      return r.isNullAt(featuresIdx) ? null : (Vector) r.get(featuresIdx);
    }

    PartSummary summarise(int partition, Iterator<Row> it, int maxExamples) {
      PartSummary s = new PartSummary();
      s.partition = partition;
      long i = 0;
      while (it.hasNext()) {
        Row r = it.next();
        String[] kp = kindAndProblem(r);
        if (kp != null) {
          s.badCount++;
          s.kinds.merge(kp[0], 1L, Long::sum);
          if (s.bad.size() < maxExamples) {
            s.bad.add(new BadRow(i, fileIdx >= 0 ? r.getString(fileIdx) : null, kp[1]));
          }
        }
        i++;
      }
      s.rows = i;
      return s;
    }

    String problem(Row r) {
      String[] kp = kindAndProblem(r);
      return kp == null ? null : kp[1];
    }

    /** Null for a good row, else {kind, problem}. */
    String[] kindAndProblem(Row r) {
      if (problemIdx >= 0 && !r.isNullAt(problemIdx)) {
        return new String[] {PARSE, r.getString(problemIdx)};
      }
      if (r.isNullAt(featuresIdx)) {
        return new String[] {PARSE, "no features (null)"};
      }
      Vector v = (Vector) r.get(featuresIdx);
      if (v.size() != features) {
        return new String[] {FEATURE_COUNT, "expected " + features + " features, found " + v.size()};
      }
      double[] values = v instanceof SparseVector sv ? sv.values() : ((DenseVector) v).values();
      for (int k = 0; k < values.length; k++) {
        if (!Double.isFinite(values[k])) {
          int f = v instanceof SparseVector sv ? sv.indices()[k] : k;
          return new String[] {NON_FINITE, "feature " + f + " is " + values[k]};
        }
      }
      if (r.isNullAt(labelIdx)) {
        return new String[] {LABEL, "label is missing (null)"};
      }
      double y = ((Number) r.get(labelIdx)).doubleValue();
      if (Double.isNaN(y) || Double.isInfinite(y)) {
        return new String[] {LABEL, "label is " + y};
      }
      if (y != Math.rint(y)) {
        return new String[] {LABEL, "label " + y + " is not an integer class index"};
      }
      if (y < 0 || y >= classes) {
        return new String[] {LABEL, "label " + String.format(Locale.ROOT, "%.0f", y) + " outside [0, " + classes + ")"};
      }
      return null;
    }
  }
}
