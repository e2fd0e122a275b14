package org.sparsetrain.training.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.sparsetrain.training.LocalTrainer;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.StepReport;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.data.BatchSampler;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.optim.Adam;
import org.sparsetrain.training.optim.Optimizer;
import org.sparsetrain.training.optim.OptimizerState;
import org.sparsetrain.training.optim.Sgd;
import org.sparsetrain.training.sparsity.LayerChange;
import org.sparsetrain.training.sparsity.MaskDecision;
import org.sparsetrain.training.sparsity.MaskUpdateContext;
import org.sparsetrain.training.sparsity.SparsityMethod;
import org.sparsetrain.training.util.Rng;

/**
 * Shared pieces of the checkpoint tests: a small prune-and-regrow method (so masks really change
 * during training), synthetic teacher data, a training run that checkpoints through a store and
 * "crashes", and deep comparisons of optimizer state.
 */
final class CheckpointFixtures {
  private CheckpointFixtures() {}

  static final ModelSpec SPEC = new ModelSpec(new int[] {12, 10, 4}, Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY);

  static Optimizer sgd() {
    return new Sgd(0.9, true, 1e-4, false);
  }

  static Optimizer adam() {
    return new Adam(0.9, 0.999, 1e-8, 1e-4, true);
  }

  /**
   * Every 4 steps each layer drops the ⌊nnz/4⌋ smallest |w| (ties by index) and grows as many
   * random positions inactive after the drop, keyed by (seed, step, layer): enough to move masks,
   * mask versions and optimizer state the way SET does.
   */
  record DropGrow(double density, boolean dense) implements SparsityMethod {
    @Override public String name() { return dense ? "dense" : "test-drop-grow"; }

    @Override
    public double[] initialDensities(int[] sizes) {
      double[] d = new double[sizes.length - 1];
      Arrays.fill(d, dense ? 1.0 : density);
      return d;
    }

    @Override public boolean updatesAt(long t) { return !dense && t % 4 == 0; }

    @Override
    public MaskDecision decide(long t, MaskUpdateContext ctx) {
      Network net = ctx.network();
      LayerChange[] changes = new LayerChange[net.layerCount()];
      for (int l = 0; l < net.layerCount(); l++) {
        Layer layer = net.layer(l);
        int nnz = layer.nnz();
        int n = nnz / 4;
        float[] v = layer.values();
        Integer[] order = new Integer[nnz];
        for (int k = 0; k < nnz; k++) {
          order[k] = k;
        }
        Arrays.sort(order, (a, b) -> {
          int c = Float.compare(Math.abs(v[a]), Math.abs(v[b]));
          return c != 0 ? c : Integer.compare(a, b);
        });
        int[] drop = new int[n];
        boolean[] dropped = new boolean[nnz];
        for (int i = 0; i < n; i++) {
          drop[i] = order[i];
          dropped[order[i]] = true;
        }
        Set<Long> active = new HashSet<>();
        int[] rp = layer.rowPtr();
        int[] ci = layer.colIdx();
        int in = layer.inFeatures();
        for (int r = 0; r < layer.outFeatures(); r++) {
          for (int k = rp[r]; k < rp[r + 1]; k++) {
            if (!dropped[k]) {
              active.add((long) r * in + ci[k]);
            }
          }
        }
        SplittableRandom rnd = Rng.of(ctx.seed(), t, l, 0x67726F77L);
        long total = (long) in * layer.outFeatures();
        long[] grow = new long[n];
        for (int i = 0; i < n; ) {
          long p = rnd.nextLong(total);
          if (active.add(p)) {
            grow[i++] = p;
          }
        }
        changes[l] = new LayerChange(drop, grow);
      }
      return new MaskDecision(changes);
    }
  }

  static SparsityMethod sparseMethod() {
    return new DropGrow(0.5, false);
  }

  static SparsityMethod denseMethod() {
    return new DropGrow(1.0, true);
  }

  static TrainingPlan plan(Optimizer opt, SparsityMethod method, int epochs) {
    return new TrainingPlan(epochs, 16, 20261122L, opt, 0.05, "cosine", 3, method);
  }

  /** A learnable synthetic task: labels from a fixed random linear teacher. */
  static DataBlock teacherData(int rows, long seed) {
    int f = SPEC.inputs();
    int classes = SPEC.classes();
    SplittableRandom r = new SplittableRandom(seed);
    SplittableRandom t = new SplittableRandom(7);
    double[] w = new double[f * classes];
    for (int i = 0; i < w.length; i++) {
      w[i] = t.nextGaussian();
    }
    float[] x = new float[rows * f];
    int[] y = new int[rows];
    for (int i = 0; i < rows; i++) {
      int best = 0;
      double bestV = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < f; j++) {
        x[i * f + j] = (float) r.nextGaussian();
      }
      for (int c = 0; c < classes; c++) {
        double s = 0;
        for (int j = 0; j < f; j++) {
          s += w[c * f + j] * x[i * f + j];
        }
        if (s > bestV) {
          bestV = s;
          best = c;
        }
      }
      y[i] = best;
    }
    return DataBlock.dense(0, f, x, y);
  }

  /** The state {@code LocalTrainer.train} would start from, built here so a listener can checkpoint it. */
  static TrainingState freshState(TrainingPlan plan, DataBlock train) {
    Network net = SPEC.build(plan.method(), plan.seed());
    BatchSampler sampler = new LocalTrainer(SPEC, plan).sampler(train);
    long total = sampler.stepsPerEpoch() * plan.epochs();
    return new TrainingState(net, OptimizerState.create(plan.optimizer(), net), plan.method(),
        plan.learningRate(total), plan.seed(), total, 0, 0);
  }

  /** Thrown by {@link #checkpointing} to stop a run as a crash would. */
  static final class Crash extends RuntimeException {
    Crash(long step) {
      super("simulated crash after step " + step);
    }
  }

  /**
   * A listener that commits {@code state} to {@code store} every {@code every} steps (with the
   * epoch's test accuracy so far in {@code extra}) and throws {@link Crash} after step {@code crashAfter}
   * (never when it is ≤ 0). The listener sees the state because the caller built it.
   */
  static TrainingListener checkpointing(CheckpointStore store, TrainingState state, BatchSampler sampler, int every,
                                        long crashAfter, String config, List<CheckpointStore.CommitResult> log) {
    return new TrainingListener() {
      @Override
      public void onStep(StepReport r) {
        if (r.step() != state.step()) {
          throw new AssertionError("listener sees step " + r.step() + " but the state is at " + state.step());
        }
        if (r.step() % every == 0) {
          try {
            log.add(store.commit(state, CheckpointMeta.of(sampler.epochOf(r.step()), config)
                .withExtra("train_accuracy", r.accuracy())));
          } catch (IOException e) {
            throw new RuntimeException(e);
          }
        }
        if (crashAfter > 0 && r.step() == crashAfter) {
          throw new Crash(r.step());
        }
      }
    };
  }

  static void assertSameOptimizerState(OptimizerState expected, OptimizerState actual, int layers) {
    assertEquals(expected.step(), actual.step(), "optimizer step");
    assertEquals(expected.slots(), actual.slots(), "slots");
    for (int l = 0; l < layers; l++) {
      for (int s = 0; s < expected.slots(); s++) {
        assertArrayEquals(bits(expected.weightSlot(l, s)), bits(actual.weightSlot(l, s)), "weight slot " + s + " of layer " + l);
        assertArrayEquals(bits(expected.biasSlot(l, s)), bits(actual.biasSlot(l, s)), "bias slot " + s + " of layer " + l);
      }
    }
  }

  static int[] bits(float[] a) {
    int[] b = new int[a.length];
    for (int i = 0; i < a.length; i++) {
      b[i] = Float.floatToRawIntBits(a[i]);
    }
    return b;
  }

  /** Every regular file under {@code root} (recursive), through the filesystem API. */
  static List<Path> filesUnder(FileSystem fs, Path root) throws IOException {
    List<Path> out = new ArrayList<>();
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
    while (it.hasNext()) {
      FileStatus st = it.next();
      out.add(st.getPath());
    }
    return out;
  }

  static String readText(FileSystem fs, Path p) throws IOException {
    try (InputStream in = fs.open(p)) {
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  static byte[] readBytes(FileSystem fs, Path p) throws IOException {
    try (InputStream in = fs.open(p)) {
      return in.readAllBytes();
    }
  }

  static void writeBytes(FileSystem fs, Path p, byte[] b) throws IOException {
    try (var out = fs.create(p, true)) {
      out.write(b);
    }
  }
}
