package org.sparsetrain.training.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RadixSelectTest {
  /**
   * The reference: order by key (descending for largest, ascending for smallest; negative keys
   * last, all equal), equal keys by index; keep k; ascending indices.
   */
  private static int[] bySorting(int[] keys, int n, int k, boolean largest) {
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> {
      int ka = keys[a] < 0 ? -1 : keys[a];
      int kb = keys[b] < 0 ? -1 : keys[b];
      int c;
      if ((ka < 0) != (kb < 0)) {
        c = ka < 0 ? 1 : -1;
      } else {
        c = largest ? Integer.compare(kb, ka) : Integer.compare(ka, kb);
      }
      return c != 0 ? c : Integer.compare(a, b);
    });
    int[] out = new int[Math.max(0, Math.min(k, n))];
    for (int i = 0; i < out.length; i++) {
      out[i] = order[i];
    }
    Arrays.sort(out);
    return out;
  }

  private static int[] keys(SplittableRandom r, int n, int kind) {
    int[] keys = new int[n];
    for (int i = 0; i < n; i++) {
      keys[i] = switch (kind) {
        case 0 -> r.nextInt(Integer.MAX_VALUE);                          // all 31 bits
        case 1 -> r.nextInt(5);                                          // many ties
        case 2 -> (r.nextInt(3) << 15) | r.nextInt(4);                   // ties across both radix digits
        case 3 -> r.nextInt(4) == 0 ? -1 - r.nextInt(9) : r.nextInt(40); // excluded entries
        default -> Float.floatToIntBits(Math.abs((float) (r.nextGaussian() * Math.pow(2, r.nextInt(60) - 30))));
      };
    }
    return keys;
  }

  @Test
  void largestAndSmallestMatchSorting() {
    SplittableRandom r = new SplittableRandom(11);
    for (int round = 0; round < 400; round++) {
      int n = 1 + r.nextInt(1500);
      int kind = round % 5;
      int[] keys = keys(r, n + 4, kind);
      int ranked = (int) Arrays.stream(keys, 0, n).filter(x -> x >= 0).count();
      for (int k : new int[] {0, 1, r.nextInt(n + 1), ranked, n - 1, n, n + 3}) {
        String what = "n " + n + " k " + k + " kind " + kind;
        assertArrayEquals(bySorting(keys, n, k, true), RadixSelect.largest(keys, n, k), what);
        if (k <= ranked) {
          assertArrayEquals(bySorting(keys, n, k, false), RadixSelect.smallest(keys, n, k), what);
        } else {
          assertThrows(IllegalArgumentException.class, () -> RadixSelect.smallest(keys, n, k), what);
        }
      }
    }
  }

  @Test
  void handComputedCases() {
    int[] keys = {5, -1, 3, 5, 0, 3, -2};
    assertArrayEquals(new int[] {0, 3}, RadixSelect.largest(keys, 7, 2));
    assertArrayEquals(new int[] {0, 2, 3}, RadixSelect.largest(keys, 7, 3));
    assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, RadixSelect.largest(keys, 7, 6));  // first negative by index
    assertArrayEquals(new int[] {2, 4}, RadixSelect.smallest(keys, 7, 2));
    assertArrayEquals(new int[] {0, 2, 4, 5}, RadixSelect.smallest(keys, 7, 4));
    assertThrows(IllegalArgumentException.class, () -> RadixSelect.smallest(keys, 7, 6));
  }
}
