package org.sparsetrain.jobs.ml;

import java.io.Serializable;
import java.util.Locale;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;
import scala.runtime.AbstractFunction1;

/**
 * The params {@link SparseMLPClassifier} and {@link SparseMLPClassificationModel} share (the model
 * records what it was trained with). Each param carries its doc text, a validator and (except
 * {@code checkpointDir}) a default; values outside a param's domain fail when they are set (Spark
 * ML's {@code ParamPair} validates), names that depend on registries (the sparsity method) and
 * combinations fail at {@code fit}, before any Spark job.
 *
 * <p>Java classes cannot mix in Scala traits, so the params live in a {@link ParamSet} created by each
 * stage and this interface exposes them as the public no-argument methods Spark ML discovers by
 * reflection ({@code Params.params}).
 */
public interface SparseMLPParams extends Params {
  /** The stage's param objects. */
  ParamSet paramSet();

  /** Hidden layer sizes (see {@link ParamSet#layers}). */
  default IntArrayParam layers() { return paramSet().layers; }
  default Param<String> activation() { return paramSet().activation; }
  default DoubleParam sparsity() { return paramSet().sparsity; }
  default Param<String> distribution() { return paramSet().distribution; }
  default Param<String> method() { return paramSet().method; }
  default IntParam updateEvery() { return paramSet().updateEvery; }
  default DoubleParam dropFraction() { return paramSet().dropFraction; }
  default Param<String> optimizer() { return paramSet().optimizer; }
  default DoubleParam learningRate() { return paramSet().learningRate; }
  default Param<String> lrSchedule() { return paramSet().lrSchedule; }
  default DoubleParam momentum() { return paramSet().momentum; }
  default DoubleParam weightDecay() { return paramSet().weightDecay; }
  default IntParam batchSize() { return paramSet().batchSize; }
  default IntParam epochs() { return paramSet().epochs; }
  default LongParam seed() { return paramSet().seed; }
  default Param<String> checkpointDir() { return paramSet().checkpointDir; }

  default int[] getLayers() { return ((int[]) getOrDefault(layers())).clone(); }
  default String getActivation() { return getOrDefault(activation()); }
  default double getSparsity() { return (Double) getOrDefault(sparsity()); }
  default String getDistribution() { return getOrDefault(distribution()); }
  default String getMethod() { return getOrDefault(method()); }
  default int getUpdateEvery() { return (Integer) getOrDefault(updateEvery()); }
  default double getDropFraction() { return (Double) getOrDefault(dropFraction()); }
  default String getOptimizer() { return getOrDefault(optimizer()); }
  default double getLearningRate() { return (Double) getOrDefault(learningRate()); }
  default String getLrSchedule() { return getOrDefault(lrSchedule()); }
  default double getMomentum() { return (Double) getOrDefault(momentum()); }
  default double getWeightDecay() { return (Double) getOrDefault(weightDecay()); }
  default int getBatchSize() { return (Integer) getOrDefault(batchSize()); }
  default int getEpochs() { return (Integer) getOrDefault(epochs()); }
  default long getSeed() { return (Long) getOrDefault(seed()); }

  /** The checkpoint directory, or null when none is set. */
  default String getCheckpointDir() { return isDefined(checkpointDir()) ? getOrDefault(checkpointDir()) : null; }

  /** The param objects of one stage, created with the stage as parent, with their defaults set on it. */
  final class ParamSet implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * Hidden layer sizes only: the input size is the length of the features vectors and the output
     * size is the number of classes, both taken from the data at fit. {@code [300, 100]} on
     * Fashion-MNIST gives 784-300-100-10; {@code []} is softmax regression. Default [300, 100].
     */
    public final IntArrayParam layers;
    public final Param<String> activation;
    public final DoubleParam sparsity;
    public final Param<String> distribution;
    public final Param<String> method;
    public final IntParam updateEvery;
    public final DoubleParam dropFraction;
    public final Param<String> optimizer;
    public final DoubleParam learningRate;
    public final Param<String> lrSchedule;
    public final DoubleParam momentum;
    public final DoubleParam weightDecay;
    public final IntParam batchSize;
    public final IntParam epochs;
    public final LongParam seed;
    public final Param<String> checkpointDir;

    ParamSet(Params parent) {
      layers = new IntArrayParam(parent, "layers", "hidden layer sizes, each > 0 (input size from the features, "
          + "output size from the number of classes; [] is softmax regression)", new AllPositive());
      activation = new Param<>(parent, "activation", "hidden activation: relu, tanh, sigmoid",
          ParamValidators.inArray(new String[] {"relu", "tanh", "sigmoid"}));
      sparsity = new DoubleParam(parent, "sparsity", "global target sparsity in [0, 1) over all weight layers "
          + "(biases are not masked): the fraction of weights that are zero", ParamValidators.inRange(0, 1, true, false));
      distribution = new Param<>(parent, "distribution", "how the global sparsity is spread over the layers: "
          + "erk (Erdős–Rényi-kernel), er (Erdős–Rényi), uniform", ParamValidators.inArray(new String[] {"erk", "er", "uniform"}));
      method = new Param<>(parent, "method", "sparse training method, a name in the registry of "
          + "org.sparsetrain.pruning.SparsityMethods (dense, static, set, rigl, snfs, gmp, granet, random, nm, …); "
          + "checked against the registry at fit", new Identifier());
      updateEvery = new IntParam(parent, "updateEvery", "ΔT: optimizer steps between mask updates (> 0)",
          ParamValidators.gt(0));
      dropFraction = new DoubleParam(parent, "dropFraction", "α₀ in [0, 1]: fraction of each layer's non-zeros "
          + "dropped and regrown at a mask update (cosine-annealed)", ParamValidators.inRange(0, 1, true, true));
      optimizer = new Param<>(parent, "optimizer", "optimizer: sgd (Nesterov momentum), adam, adamw",
          ParamValidators.inArray(new String[] {"sgd", "adam", "adamw"}));
      learningRate = new DoubleParam(parent, "learningRate", "base learning rate (> 0)", ParamValidators.gt(0));
      lrSchedule = new Param<>(parent, "lrSchedule", "learning-rate schedule over the run: constant, cosine, "
          + "step (×0.1 at 50 % and 75 %)", ParamValidators.inArray(new String[] {"constant", "cosine", "step"}));
      momentum = new DoubleParam(parent, "momentum", "sgd: momentum; adam/adamw: β₁; in [0, 1)",
          ParamValidators.inRange(0, 1, true, false));
      weightDecay = new DoubleParam(parent, "weightDecay", "weight decay on weights, never biases (>= 0; "
          + "decoupled for adamw)", ParamValidators.gtEq(0));
      batchSize = new IntParam(parent, "batchSize", "global mini-batch size (> 0)", ParamValidators.gt(0));
      epochs = new IntParam(parent, "epochs", "passes over the training data (> 0)", ParamValidators.gt(0));
      seed = new LongParam(parent, "seed", "seed of every random choice: initial masks and values, batch order, "
          + "regrowth");
      checkpointDir = new Param<>(parent, "checkpointDir", "optional directory (any Hadoop file system URI) for "
          + "training checkpoints: fit writes one at every epoch's end and at the last step, and a fit with the same "
          + "params and data continues from the newest valid one; recorded with the model", new NonBlank());
    }

    /** Sets every default on {@code p}, the parent these params were created with. */
    void setDefaults(Params p) {
      p.setDefault(layers, new int[] {300, 100});
      p.setDefault(activation, "relu");
      p.setDefault(sparsity, 0.9);
      p.setDefault(distribution, "erk");
      p.setDefault(method, "set");
      p.setDefault(updateEvery, 100);
      p.setDefault(dropFraction, 0.3);
      p.setDefault(optimizer, "sgd");
      p.setDefault(learningRate, 0.05);
      p.setDefault(lrSchedule, "cosine");
      p.setDefault(momentum, 0.9);
      p.setDefault(weightDecay, 1e-4);
      p.setDefault(batchSize, 128);
      p.setDefault(epochs, 10);
      p.setDefault(seed, 42L);
    }
  }

  /** Every element > 0. Serializable: params travel inside the model's prediction closures. */
  final class AllPositive extends AbstractFunction1<int[], Object> implements Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public Object apply(int[] a) {
      if (a == null) {
        return false;
      }
      for (int v : a) {
        if (v <= 0) {
          return false;
        }
      }
      return true;
    }
  }

  /** A lower-case name: letters, digits, '_' and '-'. */
  final class Identifier extends AbstractFunction1<String, Object> implements Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public Object apply(String s) {
      return s != null && !s.isEmpty() && s.equals(s.trim().toLowerCase(Locale.ROOT)) && s.matches("[a-z0-9_\\-:]+");
    }
  }

  /** Not null, not blank. */
  final class NonBlank extends AbstractFunction1<String, Object> implements Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public Object apply(String s) {
      return s != null && !s.isBlank();
    }
  }
}
