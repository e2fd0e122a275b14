package org.sparsetrain.pruning.criteria;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.util.RadixSelect;

/** Small shared pieces of the criteria: magnitude order, keyed sampling, index/position maps. */
public final class Selection {
  private Selection() {}

  /**
   * Indices of the {@code n} stored weights with the smallest |w| among those not excluded,
   * ties by the lower index, NaN above every magnitude; ascending. A {@link RadixSelect} on the
   * magnitudes' bits, O(size).
   */
  public static int[] smallest(float[] values, int n, boolean[] excluded) {
    if (n <= 0) {
      return new int[0];
    }
    float[] candidates = values;
    if (excluded != null) {
      candidates = values.clone();
      for (int i = 0; i < values.length; i++) {
        if (excluded[i]) {
          candidates[i] = Float.NaN;   // the select never takes NaN
        }
      }
    }
    int numbers = 0;
    for (float c : candidates) {
      numbers += Float.isNaN(c) ? 0 : 1;
    }
    if (n <= numbers) {
      return RadixSelect.smallest(candidates, values.length, n);
    }
    int available = 0;
    for (int i = 0; i < values.length; i++) {
      available += excluded == null || !excluded[i] ? 1 : 0;
    }
    if (n > available) {
      throw new IllegalArgumentException("cannot drop " + n + " of " + available + " weights");
    }
    int[] out = new int[n];   // every number, then the first NaN weights
    int m = 0;
    int extra = n - numbers;
    for (int i = 0; i < values.length; i++) {
      if (!Float.isNaN(candidates[i]) || (excluded == null || !excluded[i]) && extra-- > 0) {
        out[m++] = i;
      }
    }
    return out;
  }

  /** Indices of the {@code n} smallest |w}; ties by the lower index; ascending. */
  public static int[] smallest(float[] values, int n) {
    return smallest(values, n, null);
  }

  /** n distinct values in [0, m), ascending (Floyd's algorithm). */
  public static long[] distinct(SplittableRandom r, long m, int n) {
    if (n > m) {
      throw new IllegalArgumentException("cannot draw " + n + " distinct of " + m);
    }
    Set<Long> chosen = new HashSet<>(Math.max(4, n * 2));
    for (long j = m - n; j < m; j++) {
      long t = r.nextLong(j + 1);
      if (!chosen.add(t)) {
        chosen.add(j);
      }
    }
    long[] out = new long[n];
    int i = 0;
    for (long v : chosen) {
      out[i++] = v;
    }
    Arrays.sort(out);
    return out;
  }

  /** Position {@code row * in + col} of each stored index in {@code idx} (ascending idx gives ascending positions). */
  public static long[] positionsOf(Layer layer, int[] idx) {
    int[] rp = layer.rowPtr();
    int[] ci = layer.colIdx();
    long in = layer.inFeatures();
    long[] out = new long[idx.length];
    for (int i = 0; i < idx.length; i++) {
      int k = idx[i];
      int row = Arrays.binarySearch(rp, k);
      if (row < 0) {
        row = -row - 2;
      } else {
        while (row + 1 < rp.length && rp[row + 1] == k) {
          row++;           // skip empty rows that start at k
        }
      }
      out[i] = row * in + ci[k];
    }
    return out;
  }

  /** The union of two ascending index arrays without duplicates, ascending. */
  public static int[] union(int[] a, int[] b) {
    int[] out = new int[a.length + b.length];
    int i = 0;
    int j = 0;
    int n = 0;
    while (i < a.length || j < b.length) {
      int v;
      if (j >= b.length || (i < a.length && a[i] < b[j])) {
        v = a[i++];
      } else if (i >= a.length || b[j] < a[i]) {
        v = b[j++];
      } else {
        v = a[i++];
        j++;
      }
      out[n++] = v;
    }
    return Arrays.copyOf(out, n);
  }
}
