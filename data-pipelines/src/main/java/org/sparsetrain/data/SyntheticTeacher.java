package org.sparsetrain.data;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.Init;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.util.Rng;

/**
 * A synthetic classification data set of any size: inputs are standard Gaussian vectors and the
 * label of a row is the arg-max of a random sparse teacher MLP ({@code features → hidden (ReLU) →
 * classes}, positions and He values from {@link Init}). The teacher's output biases are set to
 * minus the expected logit under Gaussian inputs, so no class dominates.
 *
 * <p>Row {@code g} (a global row id) depends only on {@code (seed, g)}: any range of rows can be
 * generated independently, on any executor, in any order, and a retried task makes the same rows.
 * The object is small and serialisable (the teacher network is rebuilt from the seed where used).
 *
 * <p>Defaults: hidden width {@value #DEFAULT_HIDDEN}, teacher density {@value #DEFAULT_DENSITY}.
 */
public final class SyntheticTeacher implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final int DEFAULT_HIDDEN = 64;
  public static final double DEFAULT_DENSITY = 0.25;

  private static final long PURPOSE_TEACHER = 0x7465616368L;  // "teach"
  private static final long PURPOSE_INPUT = 0x696E707574L;    // "input"
  private static final int BATCH = 256;

  private final int features;
  private final int classes;
  private final int hidden;
  private final double density;
  private final long seed;
  private transient Network teacher;

  public SyntheticTeacher(int features, int classes, long seed) {
    this(features, classes, DEFAULT_HIDDEN, DEFAULT_DENSITY, seed);
  }

  public SyntheticTeacher(int features, int classes, int hidden, double density, long seed) {
    if (features <= 0) {
      throw new IllegalArgumentException("features must be > 0, got " + features);
    }
    if (classes < 2) {
      throw new IllegalArgumentException("classes must be >= 2, got " + classes);
    }
    if (hidden <= 0) {
      throw new IllegalArgumentException("hidden must be > 0, got " + hidden);
    }
    if (!(density > 0 && density <= 1)) {
      throw new IllegalArgumentException("teacher density must be in (0, 1], got " + density);
    }
    this.features = features;
    this.classes = classes;
    this.hidden = hidden;
    this.density = density;
    this.seed = seed;
  }

  /** Rows [firstRow, firstRow + rows) of the data set (features, classes, seed), default teacher shape. */
  public static DataBlock generate(int rows, int features, int classes, long seed, long firstRow) {
    return new SyntheticTeacher(features, classes, seed).block(firstRow, rows);
  }

  public int features() { return features; }
  public int classes() { return classes; }
  public int hidden() { return hidden; }
  public double density() { return density; }
  public long seed() { return seed; }

  /** The teacher network (built once per JVM copy of this object). */
  public synchronized Network teacher() {
    if (teacher == null) {
      long ts = Rng.mix(seed, PURPOSE_TEACHER);
      Layer l1 = Init.sparse(features, hidden, Math.max(1, Init.nnzFor(density, features, hidden)), ts, 0);
      Layer l2 = Init.sparse(hidden, classes, Math.max(1, Init.nnzFor(Math.max(density, 0.5), hidden, classes)), ts, 1);
      // E[relu(a_j)] = σ_j / √(2π) for a_j ~ N(0, σ_j²), σ_j² = Σ_i w_ji² (Gaussian inputs, zero bias).
      double[] meanHidden = new double[hidden];
      int[] rp = l1.rowPtr();
      float[] v = l1.values();
      for (int j = 0; j < hidden; j++) {
        double ss = 0;
        for (int k = rp[j]; k < rp[j + 1]; k++) {
          ss += (double) v[k] * v[k];
        }
        meanHidden[j] = Math.sqrt(ss / (2 * Math.PI));
      }
      int[] rp2 = l2.rowPtr();
      int[] ci2 = l2.colIdx();
      float[] v2 = l2.values();
      float[] b2 = l2.bias();
      for (int c = 0; c < classes; c++) {
        double m = 0;
        for (int k = rp2[c]; k < rp2[c + 1]; k++) {
          m += v2[k] * meanHidden[ci2[k]];
        }
        b2[c] = (float) -m;
      }
      teacher = new Network(List.of(l1, l2), Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY);
    }
    return teacher;
  }

  /** Writes the features of global row {@code row} into {@code out[off .. off + features)}. */
  public void features(long row, float[] out, int off) {
    SplittableRandom r = Rng.of(seed, PURPOSE_INPUT, row);
    for (int f = 0; f < features; f++) {
      out[off + f] = (float) r.nextGaussian();   // JDK 17+ ziggurat: specified, so the same on every JVM
    }
  }

  /**
   * Rows [0, rows) as {@code partitions} blocks generated on the executors: the driver sends only
   * the P ranges (block p holds [rows·p/P, rows·(p+1)/P)). Not cached; see
   * {@link BlockPacker#synthetic} for the cached form.
   */
  public JavaRDD<DataBlock> rdd(JavaSparkContext sc, long rows, int partitions) {
    if (rows <= 0 || partitions <= 0) {
      throw new IllegalArgumentException("rows and partitions must be > 0, got " + rows + ", " + partitions);
    }
    List<long[]> ranges = new ArrayList<>(partitions);
    for (int p = 0; p < partitions; p++) {
      long a = (long) Math.floor((double) rows * p / partitions);
      long b = p + 1 == partitions ? rows : (long) Math.floor((double) rows * (p + 1) / partitions);
      ranges.add(new long[] {a, b});
    }
    SyntheticTeacher self = this;
    return sc.parallelize(ranges, partitions).map(r -> self.block(r[0], Math.toIntExact(r[1] - r[0])));
  }

  /** A dense block of rows [firstRow, firstRow + rows). */
  public DataBlock block(long firstRow, int rows) {
    if (rows < 0 || firstRow < 0) {
      throw new IllegalArgumentException("rows and firstRow must be >= 0, got " + rows + ", " + firstRow);
    }
    long total = (long) rows * features;
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(rows + " rows of " + features + " features do not fit one block");
    }
    float[] x = new float[(int) total];
    int[] y = new int[rows];
    Network net = teacher();
    Network.Workspace ws = net.workspace(BATCH);
    float[] fm = new float[features * BATCH];
    for (int start = 0; start < rows; start += BATCH) {
      int b = Math.min(BATCH, rows - start);
      for (int i = 0; i < b; i++) {
        features(firstRow + start + i, x, (start + i) * features);
      }
      for (int i = 0; i < b; i++) {
        int base = (start + i) * features;
        for (int f = 0; f < features; f++) {
          fm[f * b + i] = x[base + f];
        }
      }
      float[] logits = net.forward(fm, b, ws);
      for (int i = 0; i < b; i++) {
        y[start + i] = Network.argmax(logits, classes, b, i);
      }
    }
    return DataBlock.dense(firstRow, features, x, y);
  }
}
