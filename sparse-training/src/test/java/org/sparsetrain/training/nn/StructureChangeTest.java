package org.sparsetrain.training.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StructureChangeTest {

  private static Map<Long, Float> positionsToValues(SparseLinear layer) {
    Map<Long, Float> m = new HashMap<>();
    long[] pos = layer.positions();
    for (int k = 0; k < pos.length; k++) {
      m.put(pos[k], layer.values()[k]);
    }
    return m;
  }

  private static void assertSortedCsr(SparseLinear layer) {
    int[] rp = layer.rowPtr();
    int[] ci = layer.colIdx();
    assertEquals(0, rp[0]);
    assertEquals(ci.length, rp[layer.outFeatures()]);
    for (int r = 0; r < layer.outFeatures(); r++) {
      assertTrue(rp[r] <= rp[r + 1], "row pointers ascend at " + r);
      for (int k = rp[r] + 1; k < rp[r + 1]; k++) {
        assertTrue(ci[k - 1] < ci[k], "row " + r + " columns strictly ascending at " + k);
      }
    }
  }

  /** Random prune-and-regrow on several layers; every invariant is checked against a map model. */
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6})
  void randomDropAndRegrowKeepsInvariants(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int in = 13 + r.nextInt(20);
    int out = 7 + r.nextInt(20);
    int nnz = (int) (in * out * (0.05 + 0.5 * r.nextDouble()));
    SparseLinear layer = Init.sparse(in, out, nnz, seed, 0);
    Map<Long, Float> before = positionsToValues(layer);
    long[] oldPos = layer.positions();

    int n = Math.max(1, nnz / 3);
    Set<Integer> dropSet = new HashSet<>();
    while (dropSet.size() < n) {
      dropSet.add(r.nextInt(nnz));
    }
    int[] drop = dropSet.stream().mapToInt(Integer::intValue).toArray();
    Set<Long> droppedPos = new HashSet<>();
    for (int k : drop) {
      droppedPos.add(oldPos[k]);
    }
    // grow n positions inactive after the drop; the first two are just-dropped ones (revived)
    List<Long> add = new ArrayList<>();
    List<Long> dropList = new ArrayList<>(droppedPos);
    dropList.sort(null);
    int revive = Math.min(2, dropList.size());
    for (int i = 0; i < revive; i++) {
      add.add(dropList.get(i));
    }
    Set<Long> addSet = new HashSet<>(add);
    while (add.size() < n) {
      long p = (long) r.nextInt(in * out);
      if ((!before.containsKey(p) || droppedPos.contains(p)) && addSet.add(p)) {
        add.add(p);
      }
    }
    long[] addArr = add.stream().mapToLong(Long::longValue).toArray();

    long version = layer.structureVersion();
    StructureChange change = StructureChange.compute(layer, drop, addArr);
    change.applyTo(layer);

    assertEquals(nnz, layer.nnz(), "nnz conserved");
    assertEquals(version + 1, layer.structureVersion());
    assertSortedCsr(layer);
    Map<Long, Float> after = positionsToValues(layer);
    assertEquals(nnz, after.size(), "positions distinct");
    int revived = 0;
    int fresh = 0;
    for (Map.Entry<Long, Float> e : after.entrySet()) {
      long p = e.getKey();
      if (before.containsKey(p) && !droppedPos.contains(p)) {
        assertEquals(before.get(p), e.getValue(), "kept connection keeps its value at " + p);
      } else if (droppedPos.contains(p)) {
        assertTrue(addSet.contains(p), "a dropped position is back only if regrown: " + p);
        assertEquals(before.get(p), e.getValue(), "dropped-and-regrown keeps its old value at " + p);
        revived++;
      } else {
        assertTrue(addSet.contains(p), "new position was asked for: " + p);
        assertEquals(0f, e.getValue(), "new connection starts at 0 at " + p);
        fresh++;
      }
    }
    for (long p : before.keySet()) {
      if (!droppedPos.contains(p)) {
        assertTrue(after.containsKey(p), "kept position " + p + " still present");
      }
    }
    for (long p : addArr) {
      assertTrue(after.containsKey(p), "grown position " + p + " present");
    }
    int expectRevived = 0;
    for (long p : addArr) {
      if (droppedPos.contains(p)) {
        expectRevived++;
      }
    }
    assertTrue(expectRevived >= revive, "set-up revives at least " + revive);
    assertEquals(expectRevived, revived);
    assertEquals(n - expectRevived, fresh);
    assertEquals(n - expectRevived, change.dropped());
    assertEquals(n - expectRevived, change.added());
    // source() is consistent with positions
    long[] newPos = layer.positions();
    int[] src = change.source();
    for (int i = 0; i < src.length; i++) {
      if (src[i] >= 0) {
        assertEquals(oldPos[src[i]], newPos[i], "source maps to the same position");
      } else {
        assertFalse(before.containsKey(newPos[i]));
      }
    }
  }

  private static SparseLinear small() {
    // 3 outputs x 4 inputs; row 0: cols 0,2; row 1: col 1; row 2: cols 0,3
    return new SparseLinear(4, 3, new int[] {0, 2, 3, 5}, new int[] {0, 2, 1, 0, 3},
        new float[] {1, 2, 3, 4, 5}, new float[] {0.5f, 0.25f, 0.125f});
  }

  @Test
  void handWorkedChange() {
    SparseLinear layer = small();
    // drop k=1 (row 0 col 2, value 2) and k=3 (row 2 col 0, value 4); grow (1,3)=7 and (2,0)=8 (revived)
    StructureChange c = StructureChange.compute(layer, new int[] {3, 1}, new long[] {8, 7});
    c.applyTo(layer);
    assertArrayEquals(new int[] {0, 1, 3, 5}, layer.rowPtr());
    assertArrayEquals(new int[] {0, 1, 3, 0, 3}, layer.colIdx());
    assertArrayEquals(new float[] {1, 3, 0, 4, 5}, layer.values());
    assertArrayEquals(new int[] {0, 2, -1, 3, 4}, c.source());
    assertArrayEquals(new float[] {0.5f, 0.25f, 0.125f}, layer.bias(), "bias untouched");
    assertEquals(1, c.dropped());
    assertEquals(1, c.added());
  }

  @Test
  void badInputsThrow() {
    SparseLinear layer = small();
    assertThrows(IllegalArgumentException.class, () -> StructureChange.compute(layer, new int[] {1, 1}, new long[] {4, 5}),
        "duplicate drop");
    assertThrows(IllegalArgumentException.class, () -> StructureChange.compute(layer, new int[] {1}, new long[] {0}),
        "add on an active position (row 0 col 0)");
    assertThrows(IllegalArgumentException.class, () -> StructureChange.compute(layer, new int[] {1, 2}, new long[] {7, 7}),
        "duplicate add");
    assertThrows(IllegalArgumentException.class, () -> StructureChange.compute(layer, new int[] {5}, new long[] {7}),
        "drop index out of range");
    assertThrows(IllegalArgumentException.class, () -> StructureChange.compute(layer, new int[] {0}, new long[] {12}),
        "add position out of range");
    assertThrows(IllegalArgumentException.class, () -> StructureChange.compute(layer, new int[] {-1}, new long[] {7}));
    // a failed change leaves the layer as it was
    assertArrayEquals(new int[] {0, 2, 1, 0, 3}, layer.colIdx());
  }

  @Test
  void setStructureRejectsUnsortedCsr() {
    SparseLinear layer = small();
    assertThrows(IllegalArgumentException.class,
        () -> layer.setStructure(new int[] {0, 2, 3, 5}, new int[] {2, 0, 1, 0, 3}, new float[5]));
    assertThrows(IllegalArgumentException.class,
        () -> layer.setStructure(new int[] {0, 2, 3, 5}, new int[] {0, 2, 1, 0, 4}, new float[5]));
    assertThrows(IllegalArgumentException.class,
        () -> layer.setStructure(new int[] {0, 2, 3, 4}, new int[] {0, 2, 1, 0, 3}, new float[5]));
  }
}
