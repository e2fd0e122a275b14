package org.sparsetrain.training.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.sparsetrain.training.data.BatchSampler;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.nn.BatchStats;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.ParameterLayout;

/**
 * Per executor JVM: networks already built for (run id, mask version), with their scratch arrays,
 * so a task only copies the step's values in instead of rebuilding and re-validating the CSR
 * structure every step. Each concurrently running task borrows its own replica. Entries of other
 * versions of a run are replaced; at most {@link #MAX_RUNS} runs are kept (least recently used go).
 * Holds nothing Spark cannot rebuild: a lost executor just builds again. Used by the driver-mode
 * and the sharded trainers' tasks.
 */
public final class ExecutorCache {
  private ExecutorCache() {}

  static final int MAX_RUNS = 8;

  private static final Map<String, Entry> RUNS = new ConcurrentHashMap<>();

  private static final class Entry {
    final long version;
    final ConcurrentLinkedQueue<Replica> pool = new ConcurrentLinkedQueue<>();
    volatile long lastUse = System.nanoTime();

    Entry(long version) {
      this.version = version;
    }
  }

  /** A network of one structure plus the scratch arrays of one task. */
  public static final class Replica {
    public final Network net;
    public final ParameterLayout layout;
    public final Network.Workspace ws;
    public final int capacity;
    public final float[] grad;
    public final float[] x;
    public final float[] tmp;
    public final int[] y;
    public final int[] rows;
    /** Positions in the global batch of the last micro-batch's rows. */
    public final int[] positions;

    Replica(Network net, int capacity) {
      int lanes = lanes(capacity);
      this.net = net;
      this.layout = net.layout();
      this.capacity = capacity;
      this.ws = net.workspace(lanes);
      this.grad = new float[layout.size()];
      this.x = new float[net.inputs() * lanes];
      this.tmp = new float[net.inputs() * lanes];
      this.y = new int[lanes];
      this.rows = new int[capacity];
      this.positions = new int[capacity];
    }

    /**
     * The gradient of the rows of step {@code step}'s global batch that fall in block {@code b}
     * (scale 1/B) into {@link #grad} (zeroed first), computed as one micro-batch padded with zero
     * lanes to whole vectors ({@link #LANES}); null if the block has none of them. The same
     * function of the block's rows wherever it runs, so both trainers' sums stay exact. The rows'
     * positions in the global batch are left in {@link #positions}, their layer inputs and output
     * gradients in {@link #ws}.
     */
    public BatchStats microBatch(DataBlock b, BatchSampler sampler, long step) {
      int n = sampler.localRows(step, b.firstRow(), b.rows(), rows, positions);
      if (n == 0) {
        return null;
      }
      b.gather(rows, 0, n, tmp, y, 0);
      return gathered(n, sampler.batchSize());
    }

    /** The same micro-batch from rows gathered by another task ({@link ShardRows}), in a batch of {@code batchSize}. */
    BatchStats microBatch(ShardRows s, int batchSize) {
      int n = s.positions.length;
      System.arraycopy(s.positions, 0, positions, 0, n);
      System.arraycopy(s.features, 0, tmp, 0, s.features.length);
      System.arraycopy(s.labels, 0, y, 0, n);
      return gathered(n, batchSize);
    }

    /** Forward/backward of the n rows gathered in {@link #tmp} (feature-major) and {@link #y}. */
    private BatchStats gathered(int n, int batchSize) {
      int lanes = lanes(n);
      int f = net.inputs();
      for (int c = 0; c < f; c++) {
        System.arraycopy(tmp, c * n, x, c * lanes, n);
        java.util.Arrays.fill(x, c * lanes + n, (c + 1) * lanes, 0f);
      }
      java.util.Arrays.fill(grad, 0f);
      return net.accumulateGradient(x, n, lanes, y, 0, 1f / batchSize, grad, layout, ws);
    }
  }

  /** Micro-batches are padded to a multiple of this many lanes (one AVX-512 vector of floats). */
  public static final int LANES = 16;

  static int lanes(int rows) {
    return (rows + LANES - 1) / LANES * LANES;
  }

  public static Replica borrow(String runId, ModelStructure s, int capacity) {
    // any other version replaces the entry: versions move forward with mask updates, and back when
    // a sharded run restores a checkpoint after losing an executor
    Entry e = RUNS.compute(runId, (k, old) -> old != null && old.version == s.version ? old : new Entry(s.version));
    e.lastUse = System.nanoTime();
    Replica r;
    while ((r = e.pool.poll()) != null) {
      if (r.capacity >= capacity) {
        return r;
      }
    }
    evictIfFull();
    return new Replica(s.build(), capacity);
  }

  public static void giveBack(String runId, long version, Replica r) {
    Entry e = RUNS.get(runId);
    if (e != null && e.version == version) {
      e.pool.offer(r);
    }
  }

  /** Drops what this JVM holds for a run (the driver calls it at the end; in local mode that frees everything). */
  public static void forget(String runId) {
    RUNS.remove(runId);
  }

  /** Number of replicas pooled for a run at a version (for tests). */
  static int pooled(String runId, long version) {
    Entry e = RUNS.get(runId);
    return e == null || e.version != version ? 0 : e.pool.size();
  }

  private static void evictIfFull() {
    while (RUNS.size() > MAX_RUNS) {
      String oldest = null;
      long t = Long.MAX_VALUE;
      for (Map.Entry<String, Entry> en : RUNS.entrySet()) {
        if (en.getValue().lastUse < t) {
          t = en.getValue().lastUse;
          oldest = en.getKey();
        }
      }
      if (oldest == null) {
        return;
      }
      RUNS.remove(oldest);
    }
  }
}
