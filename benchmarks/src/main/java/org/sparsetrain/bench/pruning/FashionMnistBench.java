package org.sparsetrain.bench.pruning;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import org.sparsetrain.pruning.SparsityConfig;
import org.sparsetrain.pruning.SparsityMethods;
import org.sparsetrain.training.LocalTrainer;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.TrainResult;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.optim.Sgd;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * The issue-4 table: Fashion-MNIST 784-300-100-10 at 90 % sparsity, one fixed budget, every method
 * with ERK and uniform plus 2:4 N:M, for the given seeds, through the LocalTrainer. Not a unit test:
 * run it with {@code java -cp … FashionMnistBench DIR EPOCHS SEED…}; it prints one markdown row per run.
 */
public final class FashionMnistBench {
  private FashionMnistBench() {}

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    int epochs = Integer.parseInt(args[1]);
    List<Long> seeds = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      seeds.add(Long.parseLong(args[i]));
    }
    DataBlock train = read(dir, "train", 0);
    DataBlock test = read(dir, "t10k", train.rows());
    int[] sizes = {784, 300, 100, 10};
    ModelSpec spec = new ModelSpec(sizes, Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY);
    int batch = 128;
    long steps = (long) epochs * ((train.rows() + batch - 1) / batch);
    List<String[]> runs = new ArrayList<>();
    for (String m : List.of("static", "set", "rigl", "snfs", "granet", "gmp", "random")) {
      runs.add(new String[] {m, "erk"});
      runs.add(new String[] {m, "uniform"});
    }
    runs.add(new String[] {"nm", "-"});
    System.out.println("| method | distribution | seed | test accuracy | final density | steps | seconds |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (String[] run : runs) {
      for (long seed : seeds) {
        SparsityConfig.Builder b = SparsityConfig.builder().set("method", run[0]).set("target", 0.9);
        if (!run[1].equals("-")) {
          b.set("distribution", run[1]);
        }
        SparsityMethod method = SparsityMethods.create(b.build(), steps, sizes);
        TrainingPlan plan = new TrainingPlan(epochs, batch, seed, new Sgd(0.9, false, 5e-4, false), 0.05, "cosine", 0, method);
        TrainResult r = new LocalTrainer(spec, plan).train(train, test, TrainingListener.NONE);
        double density = r.network().nnz() / (double) r.network().denseWeights();
        System.out.printf(Locale.ROOT, "| %s | %s | %d | %.4f | %.4f | %d | %.0f |%n", run[0],
            run[0].equals("nm") ? "2:4" : run[1], seed, r.test().accuracy(), density, r.steps(), r.wallSeconds());
      }
    }
  }

  /** Reads {@code <prefix>-images-idx3-ubyte.gz} and {@code <prefix>-labels-idx1-ubyte.gz}, pixels scaled to [0,1]. */
  static DataBlock read(Path dir, String prefix, long firstRow) throws IOException {
    try (DataInputStream img = open(dir.resolve(prefix + "-images-idx3-ubyte.gz"));
         DataInputStream lab = open(dir.resolve(prefix + "-labels-idx1-ubyte.gz"))) {
      if (img.readInt() != 0x803 || lab.readInt() != 0x801) {
        throw new IOException("not an IDX image/label pair: " + prefix);
      }
      int n = img.readInt();
      int features = img.readInt() * img.readInt();
      if (lab.readInt() != n) {
        throw new IOException("image and label counts differ in " + prefix);
      }
      byte[] px = new byte[n * features];
      img.readFully(px);
      byte[] lb = new byte[n];
      lab.readFully(lb);
      float[] x = new float[px.length];
      for (int i = 0; i < px.length; i++) {
        x[i] = (px[i] & 0xFF) / 255f;
      }
      int[] y = new int[n];
      for (int i = 0; i < n; i++) {
        y[i] = lb[i];
      }
      return DataBlock.dense(firstRow, features, x, y);
    }
  }

  private static DataInputStream open(Path p) throws IOException {
    InputStream in = new GZIPInputStream(Files.newInputStream(p), 1 << 16);
    return new DataInputStream(in);
  }
}
