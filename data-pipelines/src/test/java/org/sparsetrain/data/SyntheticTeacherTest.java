package org.sparsetrain.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sparsetrain.training.data.DataBlock;

class SyntheticTeacherTest {
  @Test
  void anyRangeIsTheSameAsPartOfTheWhole() {
    DataBlock all = SyntheticTeacher.generate(1000, 20, 5, 42L, 0);
    DataBlock part = SyntheticTeacher.generate(300, 20, 5, 42L, 613);
    assertEquals(613, part.firstRow());
    for (int r = 0; r < 300; r++) {
      int g = 613 + r;
      if (g < 1000) {
        assertArrayEquals(all.row(g), part.row(r));
        assertEquals(all.label(g), part.label(r));
      }
    }
    DataBlock again = SyntheticTeacher.generate(1000, 20, 5, 42L, 0);
    assertArrayEquals(all.denseFeatures(), again.denseFeatures());
    assertArrayEquals(all.labels(), again.labels());
  }

  @Test
  void seedChangesDataAndLabelsAreBalancedEnough() {
    int classes = 10;
    DataBlock a = SyntheticTeacher.generate(20000, 50, classes, 1L, 0);
    DataBlock b = SyntheticTeacher.generate(10, 50, classes, 2L, 0);
    assertNotEquals(a.row(0)[0], b.row(0)[0]);
    int[] counts = new int[classes];
    for (int y : a.labels()) {
      assertTrue(y >= 0 && y < classes);
      counts[y]++;
    }
    for (int c = 0; c < classes; c++) {
      assertTrue(counts[c] > 20000 / classes / 10, "class " + c + " has only " + counts[c] + " rows");
    }
    // inputs are standard Gaussian
    double sum = 0, sq = 0;
    for (float v : a.denseFeatures()) {
      sum += v;
      sq += (double) v * v;
    }
    double n = a.denseFeatures().length;
    assertEquals(0.0, sum / n, 0.01);
    assertEquals(1.0, sq / n, 0.01);
  }

  @Test
  void labelsFollowTheTeacher() {
    // the label is a function of the features: the same features give the same label under the teacher
    SyntheticTeacher t = new SyntheticTeacher(8, 3, 16, 0.5, 7L);
    DataBlock blk = t.block(0, 500);
    SyntheticTeacher t2 = new SyntheticTeacher(8, 3, 16, 0.5, 7L);
    DataBlock single = t2.block(250, 1);
    assertEquals(blk.label(250), single.label(0));
    // a different teacher (other hidden width) labels the same inputs differently somewhere
    DataBlock other = new SyntheticTeacher(8, 3, 32, 0.5, 7L).block(0, 500);
    assertArrayEquals(blk.denseFeatures(), other.denseFeatures());
    boolean differs = false;
    for (int r = 0; r < 500; r++) {
      differs |= blk.label(r) != other.label(r);
    }
    assertTrue(differs);
  }
}
