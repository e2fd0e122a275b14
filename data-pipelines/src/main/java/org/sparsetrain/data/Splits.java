package org.sparsetrain.data;

import static org.apache.spark.sql.functions.col;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparsetrain.training.util.Rng;

/**
 * Deterministic train / validation / test splits with exact sizes. Rows are numbered in data set
 * order (one counting pass: rows per partition, per class when stratified, then prefix sums); a
 * permutation keyed by the seed (and by the class when stratified) decides each row's split:
 * the first {@code round(w_train · n)} positions of the permutation go to train, the next
 * {@code round(w_val · n)} to validation, the rest to test. With {@code stratified} this holds per
 * class, so each split has the class proportions of the whole. The same data in the same order and
 * the same seed give the same splits, whatever the cluster; no shuffle and no sort is needed,
 * and each split keeps data set order.
 *
 * <p>The input's order must be deterministic (a file read is); call on validated data.
 */
public final class Splits {
  private Splits() {}

  static final String SPLIT = "_split";

  /** The three parts and their row counts. */
  public record Result(Dataset<Row> train, Dataset<Row> validation, Dataset<Row> test,
                       long trainRows, long validationRows, long testRows) {}

  /**
   * Splits by weights (normalised to sum 1; a weight may be 0).
   *
   * @param stratified split each class (integral {@code label}) separately
   */
  public static Result split(Dataset<Row> data, double train, double validation, double test, long seed, boolean stratified) {
    if (train < 0 || validation < 0 || test < 0 || !(train + validation + test > 0)) {
      throw new IllegalArgumentException("split weights must be >= 0 with a positive sum, got "
          + train + ", " + validation + ", " + test);
    }
    double sum = train + validation + test;
    double wTrain = train / sum;
    double wVal = validation / sum;
    StructType schema = data.schema();
    int labelIdx = stratified ? Arrays.asList(schema.fieldNames()).indexOf(Columns.LABEL) : -1;
    if (stratified && labelIdx < 0) {
      throw new IllegalArgumentException("a stratified split needs a '" + Columns.LABEL + "' column");
    }
    JavaRDD<Row> rows = data.toJavaRDD();
    // pass 1: rows per (partition, stratum)
    List<long[]> counted = rows.mapPartitionsWithIndex((p, it) -> {
      Map<Long, Long> c = new TreeMap<>();
      while (it.hasNext()) {
        c.merge(stratum(it.next(), labelIdx), 1L, Long::sum);
      }
      List<long[]> out = new ArrayList<>();
      c.forEach((k, v) -> out.add(new long[] {p, k, v}));
      return out.iterator();
    }, true).collect();
    int parts = rows.getNumPartitions();
    Map<Long, long[]> offsets = new TreeMap<>();   // stratum -> per-partition offsets, last = total
    for (long[] c : counted) {
      offsets.computeIfAbsent(c[1], k -> new long[parts + 1])[(int) c[0] + 1] += c[2];
    }
    Map<Long, long[]> plan = new TreeMap<>();       // stratum -> {n, nTrain, nVal}
    long nTrain = 0, nVal = 0, nAll = 0;
    for (Map.Entry<Long, long[]> e : offsets.entrySet()) {
      long[] o = e.getValue();
      for (int p = 0; p < parts; p++) {
        o[p + 1] += o[p];
      }
      long n = o[parts];
      long t = Math.round(wTrain * n);
      long v = Math.min(n - t, Math.round(wVal * n));
      plan.put(e.getKey(), new long[] {n, t, v});
      nTrain += t;
      nVal += v;
      nAll += n;
    }
    Assigner assigner = new Assigner(offsets, plan, seed, labelIdx);
    JavaRDD<Row> tagged = rows.mapPartitionsWithIndex(assigner::tag, true);
    Dataset<Row> all = data.sparkSession().createDataFrame(tagged, schema.add(SPLIT, DataTypes.IntegerType, false));
    Column[] keep = Arrays.stream(schema.fieldNames()).map(n -> col("`" + n + "`")).toArray(Column[]::new);
    return new Result(
        all.filter(col(SPLIT).equalTo(0)).select(keep),
        all.filter(col(SPLIT).equalTo(1)).select(keep),
        all.filter(col(SPLIT).equalTo(2)).select(keep),
        nTrain, nVal, nAll - nTrain - nVal);
  }

  static long stratum(Row r, int labelIdx) {
    if (labelIdx < 0) {
      return 0;
    }
    double y = ((Number) r.get(labelIdx)).doubleValue();
    if (y != Math.rint(y)) {
      throw new IllegalArgumentException("stratified split: label " + y + " is not an integer class (validate first)");
    }
    return (long) y;
  }

  /** Tags each row with its split (0 train, 1 validation, 2 test). */
  static final class Assigner implements Serializable {
    private static final long serialVersionUID = 1L;
    private final Map<Long, long[]> offsets;
    private final Map<Long, long[]> plan;
    private final long seed;
    private final int labelIdx;

    Assigner(Map<Long, long[]> offsets, Map<Long, long[]> plan, long seed, int labelIdx) {
      this.offsets = offsets;
      this.plan = plan;
      this.seed = seed;
      this.labelIdx = labelIdx;
    }

    Iterator<Row> tag(int partition, Iterator<Row> it) {
      Map<Long, long[]> next = new TreeMap<>();      // stratum -> {next index}
      Map<Long, KeyedPermutation> perms = new TreeMap<>();
      return new Iterator<>() {
        @Override public boolean hasNext() { return it.hasNext(); }

        @Override
        public Row next() {
          Row r = it.next();
          long s = stratum(r, labelIdx);
          long[] o = offsets.get(s);
          long[] pl = plan.get(s);
          if (o == null) {
            throw new IllegalStateException("the input changed between the counting and the splitting pass");
          }
          long[] k = next.computeIfAbsent(s, x -> new long[] {o[partition]});
          long idx = k[0]++;
          long pos = perms.computeIfAbsent(s, x -> new KeyedPermutation(pl[0], Rng.mix(seed, 0x73706C6974L, x))).apply(idx);
          int split = pos < pl[1] ? 0 : pos < pl[1] + pl[2] ? 1 : 2;
          Object[] v = new Object[r.length() + 1];
          for (int i = 0; i < r.length(); i++) {
            v[i] = r.get(i);
          }
          v[r.length()] = split;
          return RowFactory.create(v);
        }
      };
    }
  }

}
