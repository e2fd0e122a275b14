package org.sparsetrain.training.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparsetrain.training.data.DataBlock;

/** The pure pieces under the SparkTrainer: exact summation and block slicing/joining. */
class FixedPointAndBlocksTest {
  @Test
  void fixedPointSumsDoNotDependOnOrderOrGrouping() {
    SplittableRandom r = new SplittableRandom(3);
    int parts = 40;
    int n = 500;
    float[][] g = new float[parts][n];
    for (float[] p : g) {
      for (int i = 0; i < n; i++) {
        p[i] = (float) ((r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(9) - 6));
      }
    }
    long[] forward = new long[n];
    for (float[] p : g) {
      assertTrue(FixedPoint.add(p, 0, forward, n));
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < parts; i++) {
      order.add(i);
    }
    Collections.shuffle(order, new java.util.Random(5));
    long[] left = new long[n];
    long[] right = new long[n];
    for (int i = 0; i < parts; i++) {
      FixedPoint.add(g[order.get(i)], 0, i % 3 == 0 ? left : right, n);
    }
    assertTrue(FixedPoint.addInto(right, left));
    assertArrayEquals(forward, left, "shuffled and regrouped sums are identical");
    float[] back = FixedPoint.toFloat(forward);
    for (int i = 0; i < n; i++) {
      double exact = 0;
      for (float[] p : g) {
        exact += p[i];
      }
      assertEquals(exact, back[i], Math.abs(exact) * 1e-6 + parts * 0x1p-40, "value " + i);
    }
  }

  @Test
  void fixedPointReportsNonFiniteAndHugeValues() {
    assertFalse(FixedPoint.add(new float[] {Float.NaN}, 0, new long[1], 1));
    assertFalse(FixedPoint.add(new float[] {Float.POSITIVE_INFINITY}, 0, new long[1], 1));
    assertFalse(FixedPoint.add(new float[] {3e6f}, 0, new long[1], 1));
    assertTrue(FixedPoint.add(new float[] {1e6f}, 0, new long[1], 1));
    assertFalse(FixedPoint.addInto(new long[] {Long.MAX_VALUE}, new long[] {1}), "overflow is reported");
    assertFalse(addOne(new long[1], 0, Float.NaN));
  }

  @Test
  void vectorLoopGivesTheScalarBitsAndCatchesBadValuesInAnyLane() {
    SplittableRandom r = new SplittableRandom(11);
    int n = 203;
    float[] g = new float[n + 3];
    for (int i = 0; i < g.length; i++) {
      g[i] = (float) ((r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(12) - 9));
    }
    g[7] = -0f;
    g[8] = Float.MIN_VALUE;
    g[9] = -1.5e6f;
    long[] vector = new long[n];
    long[] scalar = new long[n];
    for (int i = 0; i < n; i++) {
      vector[i] = scalar[i] = r.nextLong() >> 8;
    }
    assertTrue(FixedPoint.add(g, 3, vector, n));
    for (int i = 0; i < n; i++) {
      assertTrue(addOne(scalar, i, g[3 + i]));
    }
    assertArrayEquals(scalar, vector, "Vector API and scalar loop agree bit for bit (truncation toward zero)");
    assertEquals((long) (-1.5e6 * 0x1p40), (long) (-1.5e6f * 0x1p40));
    for (int at = 0; at < 40; at++) {
      float[] bad = new float[40];
      bad[at] = at % 2 == 0 ? Float.NaN : -5e6f;
      assertFalse(FixedPoint.add(bad, 0, new long[40], 40), "bad value at " + at);
      long[] full = new long[40];
      full[at] = Long.MAX_VALUE;
      float[] one = new float[40];
      one[at] = 1f;
      assertFalse(FixedPoint.add(one, 0, full, 40), "overflow at " + at);
    }
  }

  @Test
  void everyExponentConvertsAsTheScalarCastDoes() {
    SplittableRandom r = new SplittableRandom(5);
    int n = 4099;
    float[] g = new float[n];
    for (int i = 0; i < n; i++) {
      // any sign, significand and exponent below 148 (|g| < 2^21), subnormals and zeros included
      g[i] = Float.intBitsToFloat((r.nextInt(2) << 31) | (r.nextInt(148) << 23) | r.nextInt(1 << 23));
    }
    float[] edges = {0x1p-40f, -0x1p-40f, 0x1p-41f, 0x1.fffffep-41f, 0x1.000002p-40f, 0x1.fffffep20f, -0x1.fffffep20f,
        1f, -1f, 0x1.8p-30f, -0f, Float.MIN_NORMAL, -Float.MIN_VALUE};
    System.arraycopy(edges, 0, g, 100, edges.length);
    long[] vector = new long[n];
    long[] scalar = new long[n];
    for (int i = 0; i < n; i++) {
      vector[i] = scalar[i] = r.nextLong() >> 4;
    }
    assertTrue(FixedPoint.add(g, 0, vector, n));
    for (int i = 0; i < n; i++) {
      assertTrue(addOne(scalar, i, g[i]));
    }
    assertArrayEquals(scalar, vector);
    float[] back = FixedPoint.toFloat(vector);
    for (int i = 0; i < n; i++) {
      assertEquals(Float.floatToRawIntBits((float) (vector[i] * 0x1p-40)), Float.floatToRawIntBits(back[i]), "toFloat at " + i);
    }
    for (float limit : new float[] {0x1p21f, -0x1p21f, Float.NEGATIVE_INFINITY}) {
      float[] one = new float[17];
      one[16] = limit;
      assertFalse(FixedPoint.add(one, 0, new long[17], 17), limit + " is past the limit");
    }
  }

  @Test
  void slicingAndJoiningKeepRowsAndIds() {
    DataBlock all = SparkTestSupport.data(9, 100, 37);
    DataBlock joined = Blocks.concat(List.of(Blocks.slice(all, 0, 10), Blocks.slice(all, 10, 0), Blocks.slice(all, 10, 27)));
    assertEquals(100, joined.firstRow());
    assertArrayEquals(all.denseFeatures(), joined.denseFeatures());
    assertArrayEquals(all.labels(), joined.labels());
    DataBlock s = Blocks.slice(all, 5, 7);
    assertEquals(105, s.firstRow());
    assertArrayEquals(all.row(5), s.row(0));
    assertArrayEquals(all.row(11), s.row(6));
  }

  @Test
  void sparseBlocksSliceAndJoinToo() {
    int[] indptr = {0, 2, 2, 3, 5};
    int[] idx = {1, 4, 0, 2, 3};
    float[] val = {1f, 2f, 3f, 4f, 5f};
    DataBlock sp = DataBlock.sparse(7, 5, indptr, idx, val, new int[] {0, 1, 2, 0});
    DataBlock tail = Blocks.slice(sp, 2, 2);
    assertTrue(tail.isSparse());
    assertEquals(9, tail.firstRow());
    assertArrayEquals(sp.row(3), tail.row(1));
    DataBlock dense = DataBlock.dense(11, 5, new float[] {0, 0, 7, 0, 0}, new int[] {1});
    DataBlock joined = Blocks.concat(List.of(sp, dense));
    assertTrue(joined.isSparse());
    assertEquals(5, joined.rows());
    for (int r = 0; r < 4; r++) {
      assertArrayEquals(sp.row(r), joined.row(r));
    }
    assertArrayEquals(dense.row(0), joined.row(4));
    assertArrayEquals(new int[] {0, 1, 2, 0, 1}, joined.labels());
  }

  /** The scalar reference: {@code acc[i] += trunc(v · 2^40)}; false if v is not finite, too large, or the sum overflowed. */
  private static boolean addOne(long[] acc, int i, float v) {
    double s = v * 0x1p40;
    if (!(Math.abs(s) < 0x1p61)) {
      return false;
    }
    long a = acc[i];
    long b = (long) s;
    long r = a + b;
    acc[i] = r;
    return ((a ^ r) & (b ^ r)) >= 0;
  }
}
