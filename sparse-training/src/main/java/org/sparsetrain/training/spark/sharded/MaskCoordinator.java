package org.sparsetrain.training.spark.sharded;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.ParameterLayout;
import org.sparsetrain.training.nn.StructureChange;
import org.sparsetrain.training.optim.OptimizerState;
import org.sparsetrain.training.spark.ModelStructure;
import org.sparsetrain.training.sparsity.GrowthInput;
import org.sparsetrain.training.sparsity.LayerChange;
import org.sparsetrain.training.sparsity.MaskApplier;
import org.sparsetrain.training.sparsity.MaskDecision;
import org.sparsetrain.training.sparsity.MaskUpdateContext;
import org.sparsetrain.training.sparsity.Requirement;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * Driver-side mask decisions of the sharded mode, from per-shard candidates only.
 *
 * <p>The method's own {@link SparsityMethod#decide} runs on a <em>candidate view</em>: the real
 * masks (the driver owns them), and as values only each shard's k smallest |w| (ties by index);
 * every other weight reads as {@code Float.MAX_VALUE}. Its sparse gradient holds the candidates'
 * entries, and {@code inactiveGradient} streams each shard's m largest inactive |∂L/∂w| (ties by
 * position). The decision is then checked:
 * <ul>
 *   <li>every layer's drops are exactly its |drop| smallest candidates by (|w|, index) — so the
 *   method drops by per-layer magnitude — and every shard whose candidates were all dropped sent
 *   all its weights. Then each weight not sent ranks after an undropped candidate of its own
 *   shard, so the decision over all values would be the same;</li>
 *   <li>where the method read the inactive gradient, the grown streamed candidates rank before
 *   the ungrown ones by (|g| desc, position), and every shard whose streamed candidates were all
 *   grown streamed all its inactive positions (same argument);</li>
 * </ul>
 * A shard that ran out of candidates gets a larger k or m and the decision is repeated (the
 * method is a pure function of its inputs); a decision that is not magnitude drop / top-|g| growth
 * is rejected with an error naming the method. Random growth (SET) reads only the masks, which
 * are exact. Traffic: O(S·k) candidates up, O(changes) edits down.
 */
final class MaskCoordinator {
  /** Why the sharded mode refuses a method up front (null: it does not), from the method's declared requirements. */
  static String unsupportedReason(SparsityMethod m) {
    Set<Requirement> needs = m.requirements();
    if (needs.contains(Requirement.OPTIMIZER_STATE_ON_DRIVER)) {
      return "it grows by optimizer momentum, which lives on the executors in sharded mode";
    }
    if (needs.contains(Requirement.WHOLE_GROUPS_ON_DRIVER)) {
      return "its SR-STE gradient term and N:M groups need every weight of a group on the driver";
    }
    return null;
  }

  /** The outcome: either a verified decision or larger candidate counts to try again. */
  static final class Outcome {
    int[] moreDrops;
    int[] moreGrows;
    Map<Integer, ShardMessages.ShardEdit> edits = new HashMap<>();
    ModelStructure next;
    double[] churn;
    long editBytes;

    boolean retry() {
      return moreDrops != null;
    }
  }

  private MaskCoordinator() {}

  static Outcome decide(SparsityMethod method, long t, ModelStructure s, int shards, int[][] bounds,
                        List<ShardMessages.ShardSummary> summaries, int[] k, int[] m, long seed, long totalSteps,
                        float lr) {
    int layers = s.layers();
    ShardMessages.ShardSummary[] byKey = new ShardMessages.ShardSummary[layers * shards];
    for (ShardMessages.ShardSummary sum : summaries) {
      byKey[sum.key] = sum;
    }
    Network view = s.build(Float.MAX_VALUE);
    for (ShardMessages.ShardSummary sum : byKey) {
      int l = sum.layer;
      int base = (int) s.rowStart(l, bounds[l][sum.key % shards]);
      float[] v = view.layer(l).values();
      for (int i = 0; i < sum.dropIdx.length; i++) {
        v[base + sum.dropIdx[i]] = sum.dropVal[i];
      }
    }
    boolean[] streamed = new boolean[layers];
    ParameterLayout layout = view.layout();
    float[][] gradient = {null};
    MaskUpdateContext ctx = new MaskUpdateContext() {
      @Override public Network network() { return view; }
      @Override public OptimizerState optimizer() {
        throw new UnsupportedOperationException("sparsity method '" + method.name() + "' reads the optimizer state,"
            + " which lives on the executors in distribution.mode=sharded; use distribution.mode=driver");
      }
      @Override public float[] gradient() {
        if (gradient[0] == null) {
          float[] g = new float[layout.size()];
          for (ShardMessages.ShardSummary sum : byKey) {
            int l = sum.layer;
            int base = layout.weightOffset(l) + (int) s.rowStart(l, bounds[l][sum.key % shards]);
            for (int i = 0; i < sum.dropIdx.length; i++) {
              g[base + sum.dropIdx[i]] = sum.dropGrad[i];
            }
          }
          gradient[0] = g;
        }
        return gradient[0];
      }
      @Override public ParameterLayout layout() { return layout; }
      @Override public long seed() { return seed; }
      @Override public long totalSteps() { return totalSteps; }
      @Override public float learningRate() { return lr; }
      @Override public void inactiveGradient(int layer, InactiveGradientVisitor visitor) {
        if (method.growthInput(t) != GrowthInput.DENSE_GRADIENT) {
          throw new IllegalStateException("this trainer gives no dense gradient at this step");
        }
        streamed[layer] = true;
        int in = s.in(layer);
        int total = 0;
        for (int j = 0; j < shards; j++) {
          ShardMessages.ShardSummary sum = byKey[layer * shards + j];
          total += sum.growPos.length;
        }
        long[] p = new long[total];
        float[] g = new float[total];
        int o = 0;
        for (int j = 0; j < shards; j++) {   // shards cover ascending row ranges, candidates are ascending
          ShardMessages.ShardSummary sum = byKey[layer * shards + j];
          long off = (long) bounds[layer][j] * in;
          for (int i = 0; i < sum.growPos.length; i++) {
            p[o] = off + sum.growPos[i];
            g[o++] = sum.growGrad[i];
          }
        }
        visitor.visit(p, g, total);
      }
    };
    MaskDecision d = method.decide(t, ctx);
    Outcome out = new Outcome();
    int[] moreK = k.clone();
    int[] moreM = m.clone();
    boolean retry = false;
    for (int l = 0; l < layers; l++) {
      LayerChange c = d.layer(l);
      if (c == null || c.isEmpty()) {
        continue;
      }
      if (!s.sparse(l)) {
        throw new IllegalStateException("sparsity method '" + method.name() + "' changes dense layer " + l);
      }
      retry |= checkDrops(method, l, c.drop(), s, shards, bounds, byKey, k, moreK);
      if (streamed[l]) {
        retry |= checkGrowth(method, l, c.grow(), s, shards, bounds, byKey, m, moreM);
      }
    }
    if (retry) {
      out.moreDrops = moreK;
      out.moreGrows = moreM;
      return out;
    }
    int[][] nextRowPtr = s.rowPtrs();
    int[][] nextColIdx = s.colIdxs();
    out.churn = new double[layers];
    for (int l = 0; l < layers; l++) {
      LayerChange c = d.layer(l);
      if (c == null || c.isEmpty()) {
        continue;
      }
      Layer layer = view.layer(l);
      int before = layer.nnz();
      StructureChange ch = StructureChange.compute(layer, c.drop(), c.grow());
      nextRowPtr[l] = ch.rowPtr();
      nextColIdx[l] = ch.colIdx();
      out.churn[l] = before == 0 ? 0 : (ch.dropped() + ch.added()) / (double) before;
      long[] grow = c.grow().clone();
      float[] gv = c.growValues() == null ? null : c.growValues().clone();
      MaskApplier.sortTogether(grow, gv);
      int[] drop = c.drop().clone();
      Arrays.sort(drop);
      int in = s.in(l);
      for (int j = 0; j < shards; j++) {
        int r0 = bounds[l][j];
        int r1 = bounds[l][j + 1];
        int k0 = (int) s.rowStart(l, r0);
        int k1 = (int) s.rowStart(l, r1);
        int d0 = lower(drop, k0);
        int d1 = lower(drop, k1);
        int g0 = lower(grow, (long) r0 * in);
        int g1 = lower(grow, (long) r1 * in);
        if (d0 == d1 && g0 == g1) {
          continue;
        }
        ShardMessages.ShardEdit e = new ShardMessages.ShardEdit();
        e.drop = new int[d1 - d0];
        for (int i = d0; i < d1; i++) {
          e.drop[i - d0] = drop[i] - k0;
        }
        e.grow = new long[g1 - g0];
        for (int i = g0; i < g1; i++) {
          e.grow[i - g0] = grow[i] - (long) r0 * in;
        }
        e.growValues = gv == null ? null : Arrays.copyOfRange(gv, g0, g1);
        out.edits.put(l * shards + j, e);
        out.editBytes += e.bytes();
      }
    }
    out.next = s.with(s.version() + 1, nextRowPtr, nextColIdx);
    return out;
  }

  /** Drops must be the |drop| smallest candidates by (|w|, index); returns true if a shard must send more. */
  private static boolean checkDrops(SparsityMethod method, int l, int[] drop, ModelStructure s, int shards,
                                    int[][] bounds, ShardMessages.ShardSummary[] byKey, int[] k, int[] moreK) {
    List<long[]> cands = new ArrayList<>();   // {|w| bits, global index, shard}
    for (int j = 0; j < shards; j++) {
      ShardMessages.ShardSummary sum = byKey[l * shards + j];
      int base = (int) s.rowStart(l, bounds[l][j]);
      for (int i = 0; i < sum.dropIdx.length; i++) {
        cands.add(new long[] {Float.floatToIntBits(Math.abs(sum.dropVal[i])), base + sum.dropIdx[i], j});
      }
    }
    cands.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
    if (drop.length > cands.size()) {
      return needMore(l, shards, byKey, k, moreK, null);
    }
    Set<Long> expected = new java.util.HashSet<>();
    for (int i = 0; i < drop.length; i++) {
      expected.add(cands.get(i)[1]);
    }
    int[] perShard = new int[shards];
    for (int di : drop) {
      if (!expected.contains((long) di)) {
        boolean known = cands.stream().anyMatch(c -> c[1] == di);
        if (!known) {
          // a weight the view showed as MAX_VALUE: either a shard ran short, or the method is not magnitude-based
          int j = shardOfIndex(s, l, bounds[l], di);
          if (!byKey[l * shards + j].allDrops && Arrays.stream(drop).filter(x -> shardOfIndex(s, l, bounds[l], x) == j).count()
              >= byKey[l * shards + j].dropIdx.length) {
            return needMore(l, shards, byKey, k, moreK, null);
          }
        }
        throw new UnsupportedOperationException("sparsity method '" + method.name() + "' dropped weight " + di
            + " of layer " + l + ", which is not among the " + drop.length + " smallest magnitudes: distribution.mode="
            + "sharded supports per-layer magnitude drops only (SET, RigL with prune: magnitude); use distribution.mode=driver");
      }
      perShard[shardOfIndex(s, l, bounds[l], di)]++;
    }
    boolean more = false;
    for (int j = 0; j < shards; j++) {
      ShardMessages.ShardSummary sum = byKey[l * shards + j];
      if (!sum.allDrops && perShard[j] >= sum.dropIdx.length) {
        moreK[l * shards + j] = Math.max(2 * k[l * shards + j], k[l * shards + j] + 16);
        more = true;
      }
    }
    return more;
  }

  /** Grown streamed candidates must rank first by (|g| desc, position); returns true if a shard must stream more. */
  private static boolean checkGrowth(SparsityMethod method, int l, long[] grow, ModelStructure s, int shards,
                                     int[][] bounds, ShardMessages.ShardSummary[] byKey, int[] m, int[] moreM) {
    long[] sorted = grow.clone();
    Arrays.sort(sorted);
    int in = s.in(l);
    boolean more = false;
    float worstG = Float.POSITIVE_INFINITY;   // weakest grown streamed candidate: smallest |g|, then largest position
    long worstP = Long.MIN_VALUE;
    float bestG = Float.NEGATIVE_INFINITY;    // strongest ungrown streamed candidate: largest |g|, then smallest position
    long bestP = Long.MAX_VALUE;
    for (int j = 0; j < shards; j++) {
      ShardMessages.ShardSummary sum = byKey[l * shards + j];
      long off = (long) bounds[l][j] * in;
      int chosen = 0;
      for (int i = 0; i < sum.growPos.length; i++) {
        long p = off + sum.growPos[i];
        float g = Math.abs(sum.growGrad[i]);
        if (Arrays.binarySearch(sorted, p) >= 0) {
          chosen++;
          if (g < worstG || (g == worstG && p > worstP)) {
            worstG = g;
            worstP = p;
          }
        } else if (g > bestG || (g == bestG && p < bestP)) {
          bestG = g;
          bestP = p;
        }
      }
      if (!sum.allGrows && chosen >= sum.growPos.length) {
        moreM[l * shards + j] = Math.max(2 * m[l * shards + j], m[l * shards + j] + 16);
        more = true;
      }
    }
    if (worstP != Long.MIN_VALUE && bestP != Long.MAX_VALUE && (bestG > worstG || (bestG == worstG && bestP < worstP))) {
      throw new UnsupportedOperationException("sparsity method '" + method.name() + "' grew positions of layer " + l
          + " that do not have the largest |gradient|: distribution.mode=sharded supports top-|gradient| (RigL) or"
          + " random (SET) growth only; use distribution.mode=driver");
    }
    return more;
  }

  private static boolean needMore(int l, int shards, ShardMessages.ShardSummary[] byKey, int[] k, int[] moreK,
                                  Object unused) {
    boolean more = false;
    for (int j = 0; j < shards; j++) {
      int key = l * shards + j;
      if (!byKey[key].allDrops) {
        moreK[key] = Math.max(2 * k[key], k[key] + 16);
        more = true;
      }
    }
    if (!more) {
      throw new IllegalStateException("layer " + l + ": the method drops more weights than the layer has");
    }
    return true;
  }

  private static int shardOfIndex(ModelStructure s, int l, int[] b, int idx) {
    int j = 0;
    while (j + 1 < b.length - 1 && s.rowStart(l, b[j + 1]) <= idx) {
      j++;
    }
    return j;
  }

  private static int lower(int[] a, int key) {
    int lo = 0;
    int hi = a.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (a[mid] < key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private static int lower(long[] a, long key) {
    int lo = 0;
    int hi = a.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (a[mid] < key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
