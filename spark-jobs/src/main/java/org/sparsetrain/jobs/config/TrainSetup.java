package org.sparsetrain.jobs.config;

import java.util.List;
import java.util.Locale;
import org.sparsetrain.pruning.SparsityConfig;
import org.sparsetrain.pruning.SparsityMethods;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.optim.Adam;
import org.sparsetrain.training.optim.Optimizer;
import org.sparsetrain.training.optim.Sgd;
import org.sparsetrain.training.sparsity.SparsityMethod;

/** Turns a resolved {@link JobConfig} into the core's model, sparsity method and training plan. */
public final class TrainSetup {
  private TrainSetup() {}

  public static ModelSpec model(JobConfig c) {
    try {
      return new ModelSpec(c.getIntArray("model.layers"), Activation.parse(c.getString("model.activation")),
          Loss.parse(c.getString("model.loss")));
    } catch (IllegalArgumentException e) {
      throw c.invalid(e.getMessage(), "model.layers", "model.activation", "model.loss");
    }
  }

  /**
   * Every {@code sparsity.*} key of the config, validated by {@link SparsityConfig}: the common keys
   * and the method's own; another method's key is an error unless it holds its default (as every
   * resolved config lists it).
   */
  public static SparsityConfig sparsity(JobConfig c) {
    try {
      SparsityConfig.Builder b = SparsityConfig.builder();
      for (SparsityConfig.Key k : SparsityConfig.allKeys()) {
        if (c.values().containsKey("sparsity." + k.name())) {   // a method registered after loading: its defaults
          b.set(k.name(), c.get("sparsity." + k.name()));
        }
      }
      return b.build();
    } catch (IllegalArgumentException e) {
      throw c.invalid(e.getMessage(), sparsityKeys());
    }
  }

  /** The sparsity method for a run of {@code totalSteps} steps; validates every sparsity key. */
  public static SparsityMethod method(JobConfig c, long totalSteps) {
    try {
      int[] sizes = c.getIntArray("model.layers");
      SparsityMethod m = SparsityMethods.create(sparsity(c), totalSteps, sizes);
      m.initialDensities(sizes);
      return m;
    } catch (ConfigException e) {
      throw e;   // already says where the value came from
    } catch (IllegalArgumentException e) {
      throw c.invalid(e.getMessage(), append(sparsityKeys(), "model.layers"));
    }
  }

  public static Optimizer optimizer(JobConfig c) {
    String name = c.getString("optimizer.name").toLowerCase(Locale.ROOT);
    try {
      switch (name) {
        case "sgd":
          return new Sgd(c.getDouble("optimizer.momentum"), c.getBool("optimizer.nesterov"),
              c.getDouble("optimizer.weight_decay"), c.getBool("optimizer.decoupled_weight_decay"));
        case "adam":
        case "adamw":
          return new Adam(c.getDouble("optimizer.beta1"), c.getDouble("optimizer.beta2"), c.getDouble("optimizer.eps"),
              c.getDouble("optimizer.weight_decay"), name.equals("adamw") || c.getBool("optimizer.decoupled_weight_decay"));
        default:
          throw c.invalid("unknown optimizer.name '" + name + "' (known: sgd, adam, adamw)");
      }
    } catch (ConfigException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw c.invalid(e.getMessage(), keysOf("optimizer."));
    }
  }

  /** The plan, with the method resolved for {@code totalSteps}. */
  public static TrainingPlan plan(JobConfig c, long totalSteps) {
    try {
      return new TrainingPlan(c.getInt("training.epochs"), c.getInt("training.batch_size"), c.getLong("training.seed"),
          optimizer(c), c.getDouble("optimizer.lr"), c.getString("optimizer.lr_schedule"),
          c.getLong("optimizer.warmup_steps"), method(c, totalSteps));
    } catch (ConfigException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw c.invalid(e.getMessage(), append(keysOf("optimizer."), "training.epochs", "training.batch_size"));
    }
  }

  /** Every known key under {@code prefix} (e.g. {@code optimizer.}): where to look for the origin of a message naming none. */
  public static String[] keysOf(String prefix) {
    return ConfigKeys.all().stream().map(ConfigKey::name).filter(n -> n.startsWith(prefix)).toArray(String[]::new);
  }

  private static String[] sparsityKeys() {
    return keysOf("sparsity.");
  }

  private static String[] append(String[] keys, String... more) {
    String[] all = java.util.Arrays.copyOf(keys, keys.length + more.length);
    System.arraycopy(more, 0, all, keys.length, more.length);
    return all;
  }

  /** Checks everything that can be checked before data is read. */
  public static void validate(JobConfig c) {
    model(c);
    if (c.getInt("training.epochs") <= 0) {
      throw c.invalid("training.epochs must be > 0, got " + c.getInt("training.epochs"));
    }
    if (c.getInt("training.batch_size") <= 0) {
      throw c.invalid("training.batch_size must be > 0, got " + c.getInt("training.batch_size"));
    }
    plan(c, 1000);
    String mode = c.getString("distribution.mode");
    if (!List.of("driver", "barrier", "sharded", "auto", "local").contains(mode)) {
      throw c.invalid("distribution.mode must be driver, barrier, sharded, auto or local, got '" + mode + "'");
    }
  }
}
