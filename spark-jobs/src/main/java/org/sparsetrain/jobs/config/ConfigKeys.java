package org.sparsetrain.jobs.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparsetrain.jobs.config.ConfigKey.Kind;
import org.sparsetrain.pruning.SparsityConfig;

/**
 * Every key a job config may hold. Anything else is an error, never silently ignored. The
 * {@code sparsity.*} keys are not listed here: they are {@link SparsityConfig}'s common keys and the
 * keys each registered sparsity method declares ({@link SparsityConfig#allKeys()}), read from the
 * method registry when asked, so a method registered at run time (a plugin, a test) brings its
 * keys to YAML, {@code --set} and {@code --conf spark.sparsetrain.*} with nothing to edit here.
 */
public final class ConfigKeys {
  private ConfigKeys() {}

  private static final String SPARSITY = "sparsity.";

  private static final Map<String, ConfigKey> KEYS = new LinkedHashMap<>();

  static {
    key("model.layers", Kind.INT_LIST, List.of(784, 300, 100, 10), "layer sizes, input first, classes last");
    key("model.activation", Kind.STRING, "relu", "hidden activation: relu, tanh, sigmoid");
    key("model.loss", Kind.STRING, "cross_entropy", "loss: cross_entropy (softmax) or mse");

    // the sparsity.* keys come here, in SparsityConfig.allKeys() order (see all())

    key("training.epochs", Kind.INT, 10, "passes over the training set");
    key("training.batch_size", Kind.INT, 128, "global mini-batch size");
    key("training.seed", Kind.LONG, 42L, "seed of every random choice");

    key("optimizer.name", Kind.STRING, "sgd", "sgd, adam, adamw");
    key("optimizer.lr", Kind.DOUBLE, 0.1, "base learning rate");
    key("optimizer.lr_schedule", Kind.STRING, "cosine", "constant, cosine, step (×0.1 at 50 % and 75 %)");
    key("optimizer.warmup_steps", Kind.LONG, 0L, "linear learning-rate warm-up steps");
    key("optimizer.momentum", Kind.DOUBLE, 0.9, "sgd: momentum");
    key("optimizer.nesterov", Kind.BOOL, true, "sgd: Nesterov momentum");
    key("optimizer.weight_decay", Kind.DOUBLE, 5e-4, "weight decay (weights only, never biases)");
    key("optimizer.decoupled_weight_decay", Kind.BOOL, false, "decoupled (AdamW-style) instead of L2");
    key("optimizer.beta1", Kind.DOUBLE, 0.9, "adam: β₁");
    key("optimizer.beta2", Kind.DOUBLE, 0.999, "adam: β₂");
    key("optimizer.eps", Kind.DOUBLE, 1e-8, "adam: ε");

    key("data.format", Kind.STRING, "idx", "idx or synthetic");
    key("data.train_images", Kind.STRING, "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", "idx: training images");
    key("data.train_labels", Kind.STRING, "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz", "idx: training labels");
    key("data.test_images", Kind.STRING, "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", "idx: test images");
    key("data.test_labels", Kind.STRING, "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz", "idx: test labels");
    key("data.limit_train", Kind.INT, 0, "use only the first N training rows (0 = all)");
    key("data.limit_test", Kind.INT, 0, "use only the first N test rows (0 = all)");
    key("data.synthetic_rows", Kind.LONG, 20000L, "synthetic: training rows");
    key("data.synthetic_test_rows", Kind.LONG, 5000L, "synthetic: test rows");

    key("distribution.mode", Kind.STRING, "driver",
        "driver (Spark, model on the driver, a job per step), barrier (Spark, model on the driver, one barrier stage per"
            + " stretch between mask updates, tasks allreduce among themselves), sharded (values and optimizer state on the"
            + " executors), auto, local (one JVM, no Spark)");
    key("distribution.shards", Kind.INT, 0, "sharded: weight shards per layer (0 = default parallelism)");
    key("distribution.lineage_checkpoint_every", Kind.INT, 10, "sharded: checkpoint the shard RDD's lineage every N steps");
    key("distribution.max_recoveries", Kind.INT, 3,
        "sharded: times a run restores its shards from its last checkpoint after losing an executor (0 = fail)");
    key("distribution.partitions", Kind.INT, 0, "data partitions for Spark (0 = default parallelism)");
    key("distribution.local_steps", Kind.INT, 1, "local SGD: steps per Spark job before averaging (1 = synchronous)");
    key("distribution.virtual_shards", Kind.INT, 0, "fixed virtual shards of the batch, summed exactly (0 = batch_size/32)");

    key("checkpoint.every_steps", Kind.LONG, 0L, "checkpoint every N steps (0 = only at epoch ends and the end)");
    key("checkpoint.every_epoch", Kind.BOOL, true, "checkpoint at the end of every epoch");
    key("checkpoint.keep_last", Kind.INT, 3, "keep the newest K valid checkpoints");
    key("checkpoint.keep_best", Kind.BOOL, true, "also keep the checkpoint with the best eval accuracy");

    key("output.progress_every_seconds", Kind.DOUBLE, 2.0, "seconds between console progress lines");
    key("output.report", Kind.BOOL, true, "write report/index.html with PNG plots at the end of a run");

    // soup job (Sparse Model Soups: IMP phases, m ingredients per phase, uniform and greedy soups)
    key("soup.phases", Kind.INT, 3, "IMP phases n; per-phase prune fraction q = 1 - (1 - sparsity.target)^(1/n)");
    key("soup.ingredients", Kind.INT, 4, "m: ingredients retrained per phase from the same pruned model");
    key("soup.vary", Kind.STRING, "seed", "what differs between ingredients: seed (batch order), weight_decay, epochs");
    key("soup.weight_decays", Kind.DOUBLE_LIST, List.of(), "vary=weight_decay: optimizer.weight_decay of each ingredient");
    key("soup.epochs_per_ingredient", Kind.INT_LIST, List.of(), "vary=epochs: retrain epochs of each ingredient");
    key("soup.pretrain_epochs", Kind.INT, 0, "epochs of the dense model trained before phase 1 (0 = training.epochs)");
    key("soup.retrain_epochs", Kind.INT, 0, "retrain epochs of each ingredient (0 = training.epochs)");
    key("soup.prune", Kind.STRING, "global_magnitude", "prune criterion between phases (sparsity.prune names)");
    key("soup.next_from", Kind.STRING, "greedy", "the soup the next phase starts from: greedy or uniform");
    key("soup.validation_fraction", Kind.DOUBLE, 0.1, "training rows held out (seeded) to rank ingredients and soups");
    key("soup.concurrency", Kind.STRING, "tasks", "tasks (one Spark task per ingredient), fair_jobs, threads, sequential");
    key("soup.parallelism", Kind.INT, 0, "threads mode: ingredients trained at once (0 = available processors)");
  }

  private static Kind kindOf(Object v) {
    if (v instanceof Boolean) {
      return Kind.BOOL;
    }
    if (v instanceof Integer) {
      return Kind.INT;
    }
    if (v instanceof Long) {
      return Kind.LONG;
    }
    if (v instanceof Number) {
      return Kind.DOUBLE;
    }
    if (v instanceof java.util.List) {
      return Kind.DOUBLE_LIST;
    }
    return Kind.STRING;
  }

  /** Registers a key (used by the static block; modules with more keys add theirs here). */
  static void key(String name, Kind kind, Object def, String doc) {
    if (name.startsWith(SPARSITY)) {
      throw new IllegalArgumentException(name + ": sparsity keys belong to SparsityConfig or to their method");
    }
    KEYS.put(name, new ConfigKey(name, kind, def, doc));
  }

  public static ConfigKey get(String name) {
    if (name.startsWith(SPARSITY)) {
      SparsityConfig.Key k = SparsityConfig.key(name.substring(SPARSITY.length()));
      return k == null ? null : sparsity(k);
    }
    return KEYS.get(name);
  }

  /**
   * Every key, in the order a resolved config lists them: {@code model.*}, {@code sparsity.*} (common
   * keys, then every method's own), then the rest.
   */
  public static Collection<ConfigKey> all() {
    List<ConfigKey> all = new ArrayList<>(KEYS.size() + 32);
    boolean added = false;
    for (ConfigKey k : KEYS.values()) {
      if (!added && !k.name().startsWith("model.")) {
        for (SparsityConfig.Key s : SparsityConfig.allKeys()) {
          all.add(sparsity(s));
        }
        added = true;
      }
      all.add(k);
    }
    return Collections.unmodifiableList(all);
  }

  private static ConfigKey sparsity(SparsityConfig.Key k) {
    return new ConfigKey(SPARSITY + k.name(), kindOf(k.defaultValue()), k.defaultValue(), k.doc());
  }

  /** The known key closest to {@code name} (edit distance), for error messages. */
  public static String closest(String name) {
    String best = null;
    int bestD = Integer.MAX_VALUE;
    for (ConfigKey key : all()) {
      String k = key.name();
      int d = distance(name, k);
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    }
    return best;
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int c = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + c);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
