package org.sparsetrain.jobs.soup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.sparsetrain.training.LocalTrainer;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.TrainResult;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.data.BatchSampler;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.optim.OptimizerState;
import org.sparsetrain.training.spark.SparkTrainer;
import org.sparsetrain.training.spark.SparkTrainerOptions;

/**
 * Trains m ingredients, each from its own copy of one start network with its own plan (seed,
 * optimizer, epochs, method), and returns them in plan order. Implementations differ only in
 * where the work runs; the {@code tasks}, {@code threads} and {@code sequential} modes all run
 * the {@link LocalTrainer} and so return bit-identical ingredients.
 *
 * <p><b>Choice of the default, {@code tasks}</b> (one Spark job, one task per ingredient, data
 * broadcast once): an ingredient of the models this job is for (Fashion-MNIST 784-300-100-10 at
 * ≤ 266k weights, 54k rows ≈ 170 MB) fits an executor many times over, and a task trains it
 * without any Spark round trip per step. The alternative, {@code fair_jobs} (m driver threads, each
 * running the distributed {@link SparkTrainer} in its own FAIR pool), pays Spark's per-job overhead
 * (tens of ms) on every step of every ingredient and the m jobs compete for the same cores
 * through the scheduler; on {@code local[2]} (SoupJobTest's small synthetic problem) it took 8.7 s
 * for 2 phases x 2 ingredients where {@code tasks} took under 1 s for 3 x 3. On Fashion-MNIST
 * (BENCHMARKS.md, "Sparse Model Soups", a busy shared 2-core machine) {@code tasks} matched
 * {@code sequential} per phase (7.0 vs 7.3 s) and gave the bit-identical model; the 2-executor
 * cluster measurement is still open. {@code fair_jobs} is the mode for models or data that
 * do not fit one executor. {@code threads} does what {@code tasks} does in the driver JVM without
 * Spark ({@code distribution.mode=local}); {@code sequential} trains one after another, the
 * baseline for the concurrency measurement.
 */
interface IngredientTrainer extends AutoCloseable {
  List<Trained> train(ModelSpec spec, Network start, List<TrainingPlan> plans);

  String describe();

  @Override
  default void close() {}

  /** The state an ingredient starts from: its own copy of {@code start}, zero optimizer state, step 0. */
  static TrainingState startState(TrainingPlan plan, Network start, long trainRows) {
    Network net = start.copy();
    long total = new BatchSampler(trainRows, plan.batchSize(), plan.seed()).stepsPerEpoch() * plan.epochs();
    return new TrainingState(net, OptimizerState.create(plan.optimizer(), net), plan.method(), plan.learningRate(total),
        plan.seed(), total, 0, 0);
  }

  /** One ingredient with the local trainer; {@code validation} is the per-epoch evaluation block. */
  static Trained trainLocally(ModelSpec spec, TrainingPlan plan, Network start, DataBlock train, DataBlock validation) {
    TrainResult r = new LocalTrainer(spec, plan).continueTraining(startState(plan, start, train.rows()), train, validation,
        TrainingListener.NONE);
    return new Trained(r.network(), r.steps(), r.wallSeconds());
  }

  /** Driver threads (a pool of {@code parallelism}, 1 = one after another), local trainer. */
  final class Threads implements IngredientTrainer {
    private final DataBlock train;
    private final DataBlock validation;
    private final int parallelism;

    Threads(DataBlock train, DataBlock validation, int parallelism) {
      this.train = train;
      this.validation = validation;
      this.parallelism = parallelism;
    }

    @Override
    public List<Trained> train(ModelSpec spec, Network start, List<TrainingPlan> plans) {
      if (parallelism == 1 || plans.size() == 1) {
        List<Trained> out = new ArrayList<>();
        for (TrainingPlan p : plans) {
          out.add(trainLocally(spec, p, start, train, validation));
        }
        return out;
      }
      ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallelism, plans.size()));
      try {
        List<Future<Trained>> fs = new ArrayList<>();
        for (TrainingPlan p : plans) {
          fs.add(pool.submit(() -> trainLocally(spec, p, start, train, validation)));
        }
        List<Trained> out = new ArrayList<>();
        for (Future<Trained> f : fs) {
          out.add(await(f));
        }
        return out;
      } finally {
        pool.shutdownNow();
      }
    }

    @Override
    public String describe() {
      return parallelism == 1 ? "sequential (driver, local trainer)" : "threads (" + parallelism + " driver threads, local trainer)";
    }
  }

  /** One Spark job, one task per ingredient, training and validation blocks broadcast. */
  final class Tasks implements IngredientTrainer {
    private final JavaSparkContext sc;
    private final Broadcast<DataBlock> train;
    private final Broadcast<DataBlock> validation;

    Tasks(JavaSparkContext sc, DataBlock train, DataBlock validation) {
      this.sc = sc;
      this.train = sc.broadcast(train);
      this.validation = sc.broadcast(validation);
    }

    @Override
    public List<Trained> train(ModelSpec spec, Network start, List<TrainingPlan> plans) {
      byte[] startBytes = Trained.encode(start, 0, 0);
      List<TrainingPlan> ps = List.copyOf(plans);
      Broadcast<DataBlock> tr = train;
      Broadcast<DataBlock> va = validation;
      sc.setJobDescription("soup: " + ps.size() + " ingredients, one task each");
      List<byte[]> bytes = sc.parallelize(IntStream.range(0, ps.size()).boxed().toList(), ps.size())
          .map(i -> trainLocally(spec, ps.get(i), Trained.decode(startBytes).network(), tr.value(), va.value()).encode())
          .collect();
      sc.setJobDescription(null);
      List<Trained> out = new ArrayList<>();
      for (byte[] b : bytes) {
        out.add(Trained.decode(b));
      }
      return out;
    }

    @Override
    public String describe() {
      return "tasks (one Spark job, one task per ingredient, data broadcast) on " + sc.master();
    }

    @Override
    public void close() {
      train.destroy();
      validation.destroy();
    }
  }

  /** m driver threads, each running the distributed trainer as its own Spark jobs in its own FAIR pool. */
  final class FairJobs implements IngredientTrainer {
    private final JavaSparkContext sc;
    private final JavaRDD<DataBlock> train;
    private final JavaRDD<DataBlock> validation;
    private final long trainRows;
    private final SparkTrainerOptions options;

    FairJobs(JavaSparkContext sc, DataBlock train, DataBlock validation, int partitions, SparkTrainerOptions options) {
      this.sc = sc;
      List<DataBlock> parts = new ArrayList<>();
      int n = train.rows();
      for (int p = 0; p < partitions; p++) {
        int from = (int) ((long) n * p / partitions);
        int to = (int) ((long) n * (p + 1) / partitions);
        parts.add(SoupData.slice(train, from, to, from));
      }
      this.train = sc.parallelize(parts, partitions).cache();
      this.validation = sc.parallelize(List.of(validation), 1).cache();
      this.trainRows = n;
      this.options = options;
    }

    @Override
    public List<Trained> train(ModelSpec spec, Network start, List<TrainingPlan> plans) {
      ExecutorService pool = Executors.newFixedThreadPool(plans.size());
      try {
        List<Future<Trained>> fs = new ArrayList<>();
        for (int i = 0; i < plans.size(); i++) {
          TrainingPlan p = plans.get(i);
          String poolName = "soup-ingredient-" + i;
          fs.add(pool.submit(() -> {
            sc.setLocalProperty("spark.scheduler.pool", poolName);
            try {
              TrainResult r = new SparkTrainer(sc, spec, p, options)
                  .continueTraining(startState(p, start, trainRows), train, validation, TrainingListener.NONE);
              return new Trained(r.network(), r.steps(), r.wallSeconds());
            } finally {
              sc.setLocalProperty("spark.scheduler.pool", null);
            }
          }));
        }
        List<Trained> out = new ArrayList<>();
        for (Future<Trained> f : fs) {
          out.add(await(f));
        }
        return out;
      } finally {
        pool.shutdownNow();
      }
    }

    @Override
    public String describe() {
      return "fair_jobs (one distributed trainer per ingredient, FAIR pools, scheduler mode "
          + sc.getConf().get("spark.scheduler.mode", "FIFO") + ") on " + sc.master() + ", " + train.getNumPartitions() + " partitions";
    }

    @Override
    public void close() {
      train.unpersist(false);
      validation.unpersist(false);
    }
  }

  private static Trained await(Future<Trained> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while training ingredients", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException re) {
        throw re;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(c);
    }
  }
}
