package org.sparsetrain.data;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.RDDInfo;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparsetrain.training.data.DataBlock;

/**
 * Packs a data frame ({@code features} vector, integral {@code label}) into one compact
 * {@link DataBlock} per partition, cached: a dense row-major {@code float[]} or CSR, and an
 * {@code int[]} of labels. Global row ids are contiguous: a first pass counts rows (and non-zeros)
 * per partition on the executors, the driver takes prefix sums, and the second pass gives block p
 * the ids [offset_p, offset_p + rows_p). Empty partitions give empty blocks. No row ever reaches
 * the driver.
 *
 * <p>{@link Layout#AUTO} stores CSR when the input has sparse vectors and CSR is the smaller form
 * (8 bytes per non-zero against 4 per dense value), dense otherwise. The estimated memory of the
 * blocks is logged and returned.
 */
public final class BlockPacker {
  private static final Logger LOG = LoggerFactory.getLogger(BlockPacker.class);

  private BlockPacker() {}

  public enum Layout { AUTO, DENSE, SPARSE }

  /**
   * Cached blocks, one per partition, with their layout and sizes. {@code partitionRows[p]} is the
   * row count of partition p's block, whose first global id is the sum of the counts before it.
   */
  public record Packed(JavaRDD<DataBlock> blocks, long rows, int features, boolean sparse,
                       long[] partitionRows, long estimatedBytes) {
    public int partitions() {
      return partitionRows.length;
    }

    /** First global id of partition p's block. */
    public long firstRow(int p) {
      long s = 0;
      for (int i = 0; i < p; i++) {
        s += partitionRows[i];
      }
      return s;
    }

    /**
     * Bytes of the cached blocks in memory as Spark's storage status reports them
     * ({@code SparkContext.getRDDStorageInfo}). That status is updated asynchronously, so this waits
     * (up to {@code timeoutMillis}) until every partition is reported; -1 if it never is.
     */
    public long cachedBytes(long timeoutMillis) throws InterruptedException {
      long deadline = System.currentTimeMillis() + timeoutMillis;
      while (true) {
        for (RDDInfo info : blocks.context().getRDDStorageInfo()) {
          if (info.id() == blocks.id() && info.numCachedPartitions() == partitionRows.length) {
            return info.memSize();
          }
        }
        if (System.currentTimeMillis() > deadline) {
          return -1;
        }
        Thread.sleep(50);
      }
    }

    /** Frees the cached blocks. */
    public void unpersist() {
      blocks.unpersist(false);
    }
  }

  /** {@link Layout#AUTO}, the input's partitions, {@code MEMORY_ONLY}. */
  public static Packed pack(Dataset<Row> data) {
    return pack(data, Layout.AUTO, StorageLevel.MEMORY_ONLY());
  }

  /** Packs every partition of {@code data} into one block and caches the blocks at {@code level}. */
  public static Packed pack(Dataset<Row> data, Layout layout, StorageLevel level) {
    List<String> names = Arrays.asList(data.schema().fieldNames());
    int fi = names.indexOf(Columns.FEATURES);
    int li = names.indexOf(Columns.LABEL);
    if (fi < 0 || li < 0) {
      throw new IllegalArgumentException("packing needs '" + Columns.FEATURES + "' and '" + Columns.LABEL + "' columns, got " + names);
    }
    JavaRDD<Row> rows = data.toJavaRDD();
    List<PartCount> counts = new ArrayList<>(rows.mapPartitionsWithIndex(
        (p, it) -> Collections.singletonList(PartCount.of(p, it, fi)).iterator(), true).collect());
    counts.sort((a, b) -> Integer.compare(a.partition, b.partition));
    int parts = counts.size();
    long[] partRows = new long[parts];
    long[] offsets = new long[parts];
    long[] partNnz = new long[parts];
    long total = 0;
    long nnz = 0;
    int features = -1;
    boolean anySparse = false;
    for (PartCount c : counts) {
      partRows[c.partition] = c.rows;
      offsets[c.partition] = total;
      partNnz[c.partition] = c.nnz;
      if (c.features >= 0) {
        if (features >= 0 && c.features != features) {
          throw new DataException("data", total,
              "expected " + features + " features, found " + c.features + " (validate first)");
        }
        features = c.features;
      }
      if (c.mismatchRow >= 0) {
        throw new DataException("data", total + c.mismatchRow, "expected " + c.features + " features, found "
            + c.mismatchSize + " (validate first)");
      }
      total += c.rows;
      nnz += c.nnz;
      anySparse |= c.sparse;
    }
    if (total == 0) {
      throw new DataException("data", "no rows to pack");
    }
    double denseBytes = 4.0 * total * features;
    double csrBytes = 8.0 * nnz + 4.0 * (total + parts);
    boolean sparse = switch (layout) {
      case DENSE -> false;
      case SPARSE -> true;
      case AUTO -> anySparse && csrBytes < denseBytes;
    };
    long estimate = (long) (sparse ? csrBytes : denseBytes) + 4L * total;
    int f = features;
    JavaRDD<DataBlock> blocks = rows.mapPartitionsWithIndex((p, it) -> Collections.singletonList(
        build(it, offsets[p], (int) partRows[p], partNnz[p], f, sparse, fi, li)).iterator(), true);
    blocks.persist(level);
    blocks.count();
    LOG.info("packed {} rows x {} features into {} {} blocks: estimated {} in memory ({} non-zeros)",
        total, features, parts, sparse ? "CSR" : "dense", human(estimate), nnz);
    return new Packed(blocks, total, features, sparse, partRows, estimate);
  }

  /**
   * Caches blocks made elsewhere (e.g. {@link SyntheticTeacher#rdd}, {@link IdxReader#rdd}) and
   * counts them on the executors: only per-block sizes come back to the driver.
   */
  public static Packed cache(JavaRDD<DataBlock> blocks, StorageLevel level) {
    blocks.persist(level);
    List<long[]> sizes = new ArrayList<>(blocks.mapPartitionsWithIndex((p, it) -> {
      long[] s = {p, 0, -1, 0, 0, 0};
      while (it.hasNext()) {
        DataBlock b = it.next();
        s[1] += b.rows();
        s[2] = b.features();
        s[3] += b.sizeInBytes();
        s[4] |= b.isSparse() ? 1 : 0;
        s[5]++;
      }
      return Collections.singletonList(s).iterator();
    }, true).collect());
    sizes.sort((a, b) -> Long.compare(a[0], b[0]));
    long[] partRows = new long[sizes.size()];
    long total = 0;
    long bytes = 0;
    int features = -1;
    boolean sparse = false;
    for (long[] s : sizes) {
      partRows[(int) s[0]] = s[1];
      total += s[1];
      bytes += s[3];
      features = s[2] >= 0 ? (int) s[2] : features;
      sparse |= s[4] != 0;
    }
    LOG.info("cached {} rows x {} features in {} {} blocks: estimated {} in memory",
        total, features, sizes.size(), sparse ? "CSR" : "dense", human(bytes));
    return new Packed(blocks, total, features, sparse, partRows, bytes);
  }

  /** IDX files straight into cached blocks, read on the executors (no Row detour). */
  public static Packed idx(JavaSparkContext sc, String imagesPath, String labelsPath, int partitions) {
    return cache(IdxReader.rdd(sc, imagesPath, labelsPath, partitions), StorageLevel.MEMORY_ONLY());
  }

  /** {@code rows} synthetic teacher rows generated on the executors in {@code partitions} blocks, cached. */
  public static Packed synthetic(JavaSparkContext sc, SyntheticTeacher teacher, long rows, int partitions) {
    return cache(teacher.rdd(sc, rows, partitions), StorageLevel.MEMORY_ONLY());
  }

  static String human(long bytes) {
    if (bytes < 1 << 20) {
      return String.format("%.1f KiB", bytes / 1024.0);
    }
    if (bytes < 1L << 30) {
      return String.format("%.1f MiB", bytes / (double) (1 << 20));
    }
    return String.format("%.2f GiB", bytes / (double) (1L << 30));
  }

  private static DataBlock build(Iterator<Row> it, long first, int n, long nnz, int features, boolean sparse, int fi, int li) {
    int[] labels = new int[n];
    if (!sparse) {
      long size = (long) n * features;
      if (size > Integer.MAX_VALUE - 8) {
        throw new IllegalStateException("a partition of " + n + " rows x " + features
            + " features does not fit one float[]; use more partitions");
      }
      float[] x = new float[(int) size];
      int r = 0;
      while (it.hasNext()) {
        Row row = it.next();
        checkRow(r, n, first);
        Vector v = row.getAs(fi);
        int base = r * features;
        if (v instanceof DenseVector dv) {
          double[] d = dv.values();
          for (int i = 0; i < features; i++) {
            x[base + i] = (float) d[i];
          }
        } else {
          SparseVector sv = (SparseVector) v;
          int[] idx = sv.indices();
          double[] val = sv.values();
          for (int k = 0; k < idx.length; k++) {
            x[base + idx[k]] = (float) val[k];
          }
        }
        labels[r] = label(row, li, first + r);
        r++;
      }
      checkEnd(r, n);
      return DataBlock.dense(first, features, x, labels);
    }
    if (nnz > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("a partition with " + nnz + " non-zeros does not fit one CSR block; use more partitions");
    }
    int[] indptr = new int[n + 1];
    int[] indices = new int[(int) nnz];
    float[] data = new float[(int) nnz];
    int k = 0;
    int r = 0;
    while (it.hasNext()) {
      Row row = it.next();
      checkRow(r, n, first);
      Vector v = row.getAs(fi);
      if (v instanceof SparseVector sv) {
        int[] idx = sv.indices();
        double[] val = sv.values();
        for (int j = 0; j < idx.length; j++) {
          if (val[j] != 0) {
            checkNnz(k, nnz);
            indices[k] = idx[j];
            data[k++] = (float) val[j];
          }
        }
      } else {
        double[] d = ((DenseVector) v).values();
        for (int i = 0; i < d.length; i++) {
          if (d[i] != 0) {
            checkNnz(k, nnz);
            indices[k] = i;
            data[k++] = (float) d[i];
          }
        }
      }
      indptr[r + 1] = k;
      labels[r] = label(row, li, first + r);
      r++;
    }
    checkEnd(r, n);
    if (k != nnz) {
      throw new IllegalStateException("the input changed between the counting and the packing pass: "
          + k + " non-zeros where " + nnz + " were counted");
    }
    return DataBlock.sparse(first, features, indptr, indices, data, labels);
  }

  private static void checkNnz(int k, long nnz) {
    if (k >= nnz) {
      throw new IllegalStateException("the input changed between the counting and the packing pass: more than "
          + nnz + " non-zeros");
    }
  }

  private static void checkRow(int r, int n, long first) {
    if (r >= n) {
      throw new IllegalStateException("the input changed between the counting and the packing pass: more than "
          + n + " rows in the partition starting at row " + first);
    }
  }

  private static void checkEnd(int r, int n) {
    if (r != n) {
      throw new IllegalStateException("the input changed between the counting and the packing pass: "
          + r + " rows where " + n + " were counted");
    }
  }

  private static int label(Row row, int li, long globalRow) {
    double y = ((Number) row.get(li)).doubleValue();
    if (!(y >= 0 && y == Math.rint(y) && y <= Integer.MAX_VALUE)) {
      throw new DataException("data", globalRow, "label " + y + " is not a class index (validate first)");
    }
    return (int) y;
  }

  /** A dense row-major array as a CSR block (zeros left out). */
  static DataBlock toCsr(long firstRow, int features, float[] x, int[] labels) {
    int n = labels.length;
    int[] indptr = new int[n + 1];
    IntBuf idx = new IntBuf();
    FloatBuf val = new FloatBuf();
    for (int r = 0; r < n; r++) {
      for (int i = 0; i < features; i++) {
        float v = x[r * features + i];
        if (v != 0) {
          idx.add(i);
          val.add(v);
        }
      }
      indptr[r + 1] = idx.size;
    }
    return DataBlock.sparse(firstRow, features, indptr, idx.trim(), val.trim(), labels);
  }

  /** Per-partition counts of the first pass. */
  static final class PartCount implements Serializable {
    private static final long serialVersionUID = 1L;
    int partition;
    long rows;
    long nnz;
    int features = -1;
    boolean sparse;
    long mismatchRow = -1;
    int mismatchSize;

    static PartCount of(int p, Iterator<Row> it, int fi) {
      PartCount c = new PartCount();
      c.partition = p;
      while (it.hasNext()) {
        Row row = it.next();
        if (row.isNullAt(fi)) {
          throw new DataException("data", -1, "null features in partition " + p + " (validate first)");
        }
        Vector v = row.getAs(fi);
        if (c.features < 0) {
          c.features = v.size();
        } else if (v.size() != c.features && c.mismatchRow < 0) {
          c.mismatchRow = c.rows;
          c.mismatchSize = v.size();
        }
        if (v instanceof SparseVector sv) {
          c.sparse = true;
          c.nnz += sv.numNonzeros();
        } else {
          c.nnz += v.numNonzeros();
        }
        c.rows++;
      }
      return c;
    }
  }

  private static final class IntBuf {
    int[] a = new int[1024];
    int size;

    void add(int v) {
      if (size == a.length) {
        a = Arrays.copyOf(a, a.length * 2);
      }
      a[size++] = v;
    }

    int[] trim() {
      return Arrays.copyOf(a, size);
    }
  }

  private static final class FloatBuf {
    float[] a = new float[1024];
    int size;

    void add(float v) {
      if (size == a.length) {
        a = Arrays.copyOf(a, a.length * 2);
      }
      a[size++] = v;
    }

    float[] trim() {
      return Arrays.copyOf(a, size);
    }
  }
}
