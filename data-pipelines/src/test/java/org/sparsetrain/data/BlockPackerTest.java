package org.sparsetrain.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsetrain.training.data.BatchSampler;
import org.sparsetrain.training.data.DataBlock;

class BlockPackerTest {
  static SparkSession spark;
  static JavaSparkContext sc;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    spark = TestSpark.session();
    sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  /** Rows with features (i, i², 0) and label i mod 3, in 6 partitions of which 1 and 4 are empty and the others uneven. */
  private static Dataset<Row> uneven(boolean sparse) {
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      ids.add(i);
    }
    JavaRDD<Row> rdd = sc.parallelize(ids, 6).mapPartitionsWithIndex((p, it) -> {
      List<Row> out = new ArrayList<>();
      int k = 0;
      while (it.hasNext()) {
        int i = it.next();
        if (p == 1 || p == 4 || (p == 2 && k++ >= 3)) {
          continue;
        }
        out.add(RowFactory.create(sparse ? Vectors.sparse(3, new int[] {0, 1}, new double[] {i, (double) i * i})
            : Vectors.dense(i, (double) i * i, 0), (double) (i % 3)));
      }
      return out.iterator();
    }, true);
    return spark.createDataFrame(rdd, Columns.SCHEMA);
  }

  private static List<Integer> expectedIds() {
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      int p = i / 10;
      if (p != 1 && p != 4 && !(p == 2 && i % 10 >= 3)) {
        ids.add(i);
      }
    }
    return ids;
  }

  private static void checkContents(BlockPacker.Packed packed, boolean sparse) {
    List<Integer> ids = expectedIds();
    assertEquals(6, packed.partitions());
    assertArrayEquals(new long[] {10, 0, 3, 10, 0, 10}, packed.partitionRows());
    assertEquals(ids.size(), packed.rows());
    assertEquals(3, packed.features());
    List<DataBlock> blocks = packed.blocks().collect();   // a test-sized data set
    assertEquals(6, blocks.size());
    long next = 0;
    for (int p = 0; p < 6; p++) {
      DataBlock b = blocks.get(p);
      assertEquals(next, b.firstRow(), "block " + p);
      assertEquals(packed.firstRow(p), b.firstRow());
      assertEquals(sparse, b.isSparse());
      for (int r = 0; r < b.rows(); r++) {
        int id = ids.get((int) (b.firstRow() + r));
        assertArrayEquals(new float[] {id, (float) id * id, 0}, b.row(r));
        assertEquals(id % 3, b.label(r));
      }
      next += b.rows();
    }
    assertEquals(ids.size(), next);
  }

  @Test
  void unevenAndEmptyPartitionsDense() {
    BlockPacker.Packed p = BlockPacker.pack(uneven(false));
    assertFalse(p.sparse());
    checkContents(p, false);
    assertEquals(33L * 3 * 4 + 33 * 4, p.estimatedBytes());
    p.unpersist();
  }

  @Test
  void sparseInputGivesCsrAndCanBeForcedDense() {
    // 2 of 3 features set: CSR (8 bytes per non-zero) would be larger than dense, so AUTO stays dense
    BlockPacker.Packed a = BlockPacker.pack(uneven(true));
    checkContents(a, false);
    a.unpersist();
    BlockPacker.Packed p = BlockPacker.pack(uneven(true), BlockPacker.Layout.SPARSE, StorageLevel.MEMORY_ONLY());
    checkContents(p, true);
    p.unpersist();
    // one of 1000 features set: AUTO picks CSR
    List<Row> wide = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      wide.add(RowFactory.create(Vectors.sparse(1000, new int[] {i * 7}, new double[] {i + 1}), (double) (i % 2)));
    }
    BlockPacker.Packed w = BlockPacker.pack(spark.createDataFrame(wide, Columns.SCHEMA).repartition(2));
    assertTrue(w.sparse());
    assertEquals(20 * 8 + 4 * 22 + 4 * 20, w.estimatedBytes());
    float total = 0;
    for (DataBlock b : w.blocks().collect()) {
      assertTrue(b.isSparse());
      for (int r = 0; r < b.rows(); r++) {
        for (float v : b.row(r)) {
          total += v;
        }
      }
    }
    assertEquals(210f, total);
    w.unpersist();
    BlockPacker.Packed d = BlockPacker.pack(uneven(true), BlockPacker.Layout.DENSE, StorageLevel.MEMORY_ONLY());
    checkContents(d, false);
    d.unpersist();
    BlockPacker.Packed s = BlockPacker.pack(uneven(false), BlockPacker.Layout.SPARSE, StorageLevel.MEMORY_ONLY());
    checkContents(s, true);
    s.unpersist();
  }

  @Test
  void everyGlobalBatchIsCoveredExactlyOnceByTheBlocks() {
    BlockPacker.Packed p = BlockPacker.pack(uneven(false));
    BatchSampler sampler = new BatchSampler(p.rows(), 8, 99L);
    List<DataBlock> blocks = p.blocks().collect();
    for (long t = 1; t <= 10; t++) {
      Set<Long> seen = new HashSet<>();
      int total = 0;
      for (DataBlock b : blocks) {
        int[] out = new int[8];
        int n = sampler.localRows(t, b.firstRow(), b.rows(), out);
        for (int i = 0; i < n; i++) {
          seen.add(b.firstRow() + out[i]);
        }
        total += n;
      }
      assertEquals(8, total);
      Set<Long> batch = new HashSet<>();
      for (long g : sampler.batch(t)) {
        batch.add(g);
      }
      assertEquals(batch, seen);
    }
    p.unpersist();
  }

  @Test
  void cachedMemoryMatchesTheEstimate() throws InterruptedException {
    SyntheticTeacher teacher = new SyntheticTeacher(50, 4, 3L);
    BlockPacker.Packed p = BlockPacker.synthetic(sc, teacher, 20001, 3);
    assertEquals(20001, p.rows());
    assertArrayEquals(new long[] {6667, 6667, 6667}, p.partitionRows());
    long mem = p.cachedBytes(30_000);
    double raw = 4.0 * 50 * 20001;
    assertTrue(mem >= raw && mem < raw * 1.1, "cached " + mem + " bytes for " + raw + " bytes of features");
    // executors generated exactly the teacher's rows
    DataBlock b1 = p.blocks().collect().get(1);
    DataBlock ref = teacher.block(6667, 6667);
    assertEquals(6667, b1.firstRow());
    assertArrayEquals(ref.denseFeatures(), b1.denseFeatures());
    assertArrayEquals(ref.labels(), b1.labels());
    p.unpersist();
  }

  @Test
  void idxStraightIntoBlocks() {
    String img = IdxFiles.write(dir, "i.gz", IdxFiles.gzip(IdxFiles.images(25, 3, 3)));
    String lab = IdxFiles.write(dir, "l", IdxFiles.labels(25, 10));
    BlockPacker.Packed p = BlockPacker.idx(sc, img, lab, 4);
    assertArrayEquals(new long[] {6, 6, 6, 7}, p.partitionRows());
    DataBlock all = IdxReader.read(img, lab);
    for (DataBlock b : p.blocks().collect()) {
      for (int r = 0; r < b.rows(); r++) {
        assertArrayEquals(all.row((int) b.firstRow() + r), b.row(r));
      }
    }
    // the same data through the Dataset path packs to the same blocks
    BlockPacker.Packed viaRows = BlockPacker.pack(DataReaders.idx(spark, img, lab, 4)
        .select(Columns.FEATURES, Columns.LABEL));
    assertArrayEquals(p.partitionRows(), viaRows.partitionRows());
    assertArrayEquals(p.blocks().collect().get(3).denseFeatures(), viaRows.blocks().collect().get(3).denseFeatures());
    p.unpersist();
    viaRows.unpersist();
  }

  @Test
  void unvalidatedBadRowsAreRefused() {
    List<Row> rows = Arrays.asList(RowFactory.create(Vectors.dense(1, 2), 0.0), RowFactory.create(Vectors.dense(1, 2, 3), 1.0));
    DataException e = assertThrows(DataException.class, () -> BlockPacker.pack(spark.createDataFrame(rows, Columns.SCHEMA).coalesce(1)));
    assertTrue(e.getMessage().contains("row 1: expected 2 features, found 3"), e.getMessage());
    List<Row> frac = Arrays.asList(RowFactory.create(Vectors.dense(1), 0.5));
    Exception f = assertThrows(Exception.class, () -> BlockPacker.pack(spark.createDataFrame(frac, Columns.SCHEMA)));
    assertTrue(String.valueOf(f.getMessage()).contains("label 0.5 is not a class index"), f.getMessage());
  }
}
