package org.sparsetrain.training.spark;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.CompletionException;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import scala.reflect.ClassTag$;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparsetrain.training.CompletedStep;
import org.sparsetrain.training.Divergence;
import org.sparsetrain.training.MaskUpdateReport;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.StepEngine;
import org.sparsetrain.training.StepOutcome;
import org.sparsetrain.training.StepReport;
import org.sparsetrain.training.StepRule;
import org.sparsetrain.training.TrainResult;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingLoop;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.data.BatchSampler;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.nn.BatchStats;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.ParameterLayout;
import org.sparsetrain.training.nn.InactiveBlock;
import org.sparsetrain.training.optim.OptimizerState;
import org.sparsetrain.training.sparsity.GrowthInput;
import org.sparsetrain.training.sparsity.MaskUpdateContext;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * Data-parallel training on Spark with driver-side mask coordination; the distributed twin of
 * {@link org.sparsetrain.training.LocalTrainer}, finishing every step through the same
 * {@link TrainingState#finishStep}.
 *
 * <p><b>One step, one Spark job.</b> The driver broadcasts a copy of the current values (and the
 * CSR structure only when {@link TrainingState#maskVersion()} moved; superseded broadcasts are
 * destroyed). Each partition computes, for each of its virtual shards, the gradient of the rows of
 * step t's global batch that fall in the shard (scale 1/B) and adds it in 2^-40 fixed point;
 * the driver sums the partitions' results as they arrive ({@link PartitionJob}); the driver turns the sum back into floats and calls
 * {@code finishStep}. Communication is O(nnz) per step.
 *
 * <p><b>Bit-identical whatever the cluster.</b> The training rows are re-blocked once into V fixed
 * virtual shards of the global ids (see {@link SparkTrainerOptions#virtualShards()}), so every
 * micro-batch is computed the same way in one task whatever the number of input partitions, and
 * fixed-point addition is associative: runs with 1, 2 or 3 partitions, with retried tasks, or on
 * separate executor JVMs end with identical weights and masks. Compared with the
 * {@code LocalTrainer} (one float sum over the whole batch) the results agree up to float
 * summation order.
 *
 * <p><b>Dense gradients for growth</b> (RigL): when the method updates at t and asks for
 * {@link GrowthInput#DENSE_GRADIENT}, the step's tasks also return their micro-batches' layer
 * inputs and output gradients, which the driver broadcasts ({@link BatchActivations}: O(B·(in +
 * out)) floats per layer); then one Spark job per row block of at most
 * {@link SparkTrainerOptions#denseBlockFloats()} dense floats splits the block's rows over the
 * cluster's cores, and each task returns only its rows' inactive-position gradients, the exact
 * fixed-point sums of the micro-batches' (so they do not depend on the partition count either).
 * Up to three block jobs are in flight at once.
 *
 * <p><b>Local SGD</b> ({@link SparkTrainerOptions#localSteps()} = K &gt; 1): K local steps per
 * job, each partition on local batches of its own rows (its share of B, see {@link Tasks.Round}),
 * then the values and optimizer state are averaged (weighted by rows seen). Rounds stop before
 * mask-update steps, which run synchronously; they run on past an epoch's end (not past a second
 * one), and that epoch is evaluated, and checkpointed, at the round's end. The round before a
 * mask-update step also brings back that step's rows ({@link ShardRows}), and the driver computes
 * the step itself, the same micro-batches through the same code (the same bits), instead of a
 * Spark job of its own, up to {@link SparkTrainerOptions#driverStepMacs()}.
 *
 * <p><b>Barrier stretches</b> ({@link SparkTrainerOptions#barrier()}): the synchronous steps between
 * two mask updates (never past an epoch's end) run as one barrier stage instead of a job each; its
 * tasks allreduce every step's fixed-point sum among themselves ({@link BarrierRing}) and finish the
 * step identically ({@link StretchTask}), and rank 0 hands the model back: the same bits as a job
 * per step. Mask-update steps stay jobs (or run on the driver from the rows the stretch gathered).
 * A failed stage runs again from the same broadcasts; too few task slots or dynamic allocation
 * are refused before any work.
 *
 * <p><b>A good Spark citizen:</b> works in an existing session, never stops the context, restores
 * the caller's job group and description, and unpersists and destroys what it created.
 */
public final class SparkTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(SparkTrainer.class);

  private final JavaSparkContext sc;
  private final ModelSpec spec;
  private final TrainingPlan plan;
  private final SparkTrainerOptions options;
  private volatile TrainingState lastState;

  public SparkTrainer(SparkSession spark, ModelSpec spec, TrainingPlan plan, SparkTrainerOptions options) {
    this(JavaSparkContext.fromSparkContext(Objects.requireNonNull(spark, "spark").sparkContext()), spec, plan, options);
  }

  public SparkTrainer(JavaSparkContext sc, ModelSpec spec, TrainingPlan plan, SparkTrainerOptions options) {
    this.sc = Objects.requireNonNull(sc, "spark context");
    this.spec = Objects.requireNonNull(spec, "model spec");
    this.plan = Objects.requireNonNull(plan, "training plan");
    this.options = options == null ? SparkTrainerOptions.DEFAULTS : options;
  }

  public SparkTrainerOptions options() {
    return options;
  }

  /**
   * The training state as of the last finished step of the current or last run. Local-SGD rounds
   * replace the state object, so read it here rather than keeping the one passed in.
   */
  public TrainingState lastState() {
    return lastState;
  }

  /**
   * Trains a freshly initialised network on {@code train} (global ids contiguous over [0, n), any
   * number of blocks per partition, empty partitions allowed) and evaluates on {@code test} after
   * every epoch. Validates everything before the first step.
   */
  public TrainResult train(JavaRDD<DataBlock> train, JavaRDD<DataBlock> test, TrainingListener listener) {
    long n = TrainingData.checkTrain(train, spec, plan);
    TrainingData.checkTest(test, spec);
    TrainingState state = TrainingState.fresh(spec, plan, n);
    return run(state, train, n, test, listener);
  }

  /** Trains from {@code state} (fresh or restored from a checkpoint) to the end of the plan. */
  public TrainResult continueTraining(TrainingState state, JavaRDD<DataBlock> train, JavaRDD<DataBlock> test,
                                      TrainingListener listener) {
    TrainingData.checkState(state, spec);
    long n = TrainingData.checkTrain(train, spec, plan);
    TrainingData.checkTest(test, spec);
    return run(state, train, n, test, listener);
  }

  private TrainResult run(TrainingState initial, JavaRDD<DataBlock> train, long n, JavaRDD<DataBlock> test,
                          TrainingListener listener) {
    TrainingListener out = listener == null ? TrainingListener.NONE : listener;
    DriverMemory.of(initial.network(), initial.optimizer().slots(), options.localSteps(), train.getNumPartitions(),
        sc.isLocal()).check(options.driverHeap());
    try (Run r = new Run(initial, train, n, test)) {
      return new TrainingLoop(spec, plan, r).run(out);
    }
  }

  /**
   * One run's step engine and its driver-side resources: broadcasts, the cached shard RDD, the
   * caller's job properties.
   */
  private final class Run implements StepEngine {
    private final String runId = UUID.randomUUID().toString();
    private final String previousGroup = sc.getLocalProperty("spark.jobGroup.id");
    private final String previousDescription = sc.getLocalProperty("spark.job.description");
    private final String previousInterrupt = sc.getLocalProperty("spark.job.interruptOnCancel");
    private final BatchSampler sampler;
    private final JavaRDD<DataBlock> shards;
    private final JavaRDD<DataBlock> test;
    /** One element per core: the tasks of a row block's inactive-position gradient. */
    private final JavaRDD<Integer> blockTasks;
    private final int parallelism;
    private final int shardCount;
    private TrainingState state;
    private Broadcast<ModelStructure> structure;
    private long structureVersion = -1;
    private double lastLoss = Double.NaN;
    /** The rows of step {@link #gatheredStep}'s global batch, gathered by the round before it. */
    private List<ShardRows> gathered = List.of();
    private long gatheredStep = -1;
    /** A mask update's row block of inactive positions and their gradient, as the growth decision reads it. */
    private long[] positionBuffer = new long[0];
    private float[] gradientBuffer = new float[0];
    /** Per averaged array (values, then each optimizer slot): the replicas' weighted sums, reused by every round. */
    private double[][] sums = new double[0][];
    /** Broadcasts no job reads any more, destroyed while the next job's tasks run. */
    private final List<Broadcast<?>> retired = new ArrayList<>();

    Run(TrainingState initial, JavaRDD<DataBlock> train, long n, JavaRDD<DataBlock> test) {
      this.state = initial;
      this.test = test;
      lastState = initial;
      this.sampler = new BatchSampler(n, plan.batchSize(), plan.seed());
      this.shardCount = (int) Math.min(options.shardsFor(plan.batchSize()), n);
      int partitions = Math.max(1, Math.min(train.getNumPartitions(), shardCount));
      if (options.barrier()) {
        checkBarrier(partitions);
      }
      this.shards = TrainingData.shard(train, n, shardCount, partitions)
          .setName(options.runName() + " training shards (" + shardCount + " virtual shards)")
          .persist(StorageLevel.MEMORY_AND_DISK());
      this.parallelism = Math.max(1, Math.min(partitions, sc.defaultParallelism()));
      int cores = Math.max(1, sc.defaultParallelism());
      this.blockTasks = sc.parallelize(IntStream.range(0, cores).boxed().toList(), cores)
          .setName(options.runName() + " row-block tasks");
      long spe = sampler.stepsPerEpoch();
      if (initial.totalSteps() != spe * plan.epochs()) {
        LOG.warn("state plans {} steps but {} epochs of {} steps are {}", initial.totalSteps(), plan.epochs(), spe,
            spe * plan.epochs());
      }
      LOG.info("{}: {} rows, batch {}, {} virtual shards over {} partitions, {} local step(s) per job, run id {}",
          options.runName(), n, plan.batchSize(), shardCount, partitions, options.localSteps(), runId);
    }

    /**
     * A barrier stage needs a task slot for each of its tasks at once and no dynamic allocation
     * (Spark refuses or waits otherwise): checked before any work, with the fix.
     */
    private void checkBarrier(int partitions) {
      if (sc.getConf().getBoolean("spark.dynamicAllocation.enabled", false)) {
        throw new IllegalArgumentException("distribution.mode=barrier needs all its tasks at once, which Spark's dynamic"
            + " allocation does not allow: set spark.dynamicAllocation.enabled=false (or use distribution.mode=driver)");
      }
      int slots = taskSlots(sc.sc());
      if (partitions > slots) {
        throw new IllegalArgumentException("distribution.mode=barrier runs its " + partitions + " data partitions as "
            + partitions + " tasks at once, but the cluster has " + slots + " task slots: set distribution.partitions to"
            + " at most " + slots + " (or add executors)");
      }
    }

    private void describe(String what) {
      sc.setJobGroup(runId, options.runName() + " " + what, false);
    }

    /** Whether the structure broadcast is the current mask's. */
    private boolean structureCurrent() {
      return structure != null && structureVersion == state.maskVersion();
    }

    /** Broadcasts the structure if the mask version moved; returns the bytes sent for it. */
    private long ensureStructure() {
      if (structureCurrent()) {
        return 0;
      }
      if (structure != null) {
        retired.add(structure);
      }
      ModelStructure s = ModelStructure.of(state.network(), state.maskVersion());
      structure = sc.broadcast(s);
      structureVersion = state.maskVersion();
      return s.bytes();
    }

    @Override public long step() { return state.step(); }
    @Override public long totalSteps() { return state.totalSteps(); }
    @Override public long stepsPerEpoch() { return sampler.stepsPerEpoch(); }
    @Override public SparsityMethod method() { return state.method(); }
    @Override public double[] densities() { return state.network().densities(); }
    @Override public CompletedStep completed(BatchStats epochStats) { return state; }
    @Override public Network model() { return state.network(); }

    @Override
    public List<StepOutcome> next() {
      long t = state.step() + 1;
      long end = roundEnd(t, sampler.stepsPerEpoch());
      return end == t ? List.of(syncStep(t)) : options.barrier() ? barrierStretch(t, end) : localRound(t, end);
    }

    /**
     * Last step of the round starting at t: t itself unless local SGD applies. A round ends before
     * a mask-update step, after K steps and at the run's end; it runs on past the end of its first
     * epoch (one job fewer per epoch) but not past a second one.
     */
    private long roundEnd(long t, long spe) {
      if (options.barrier()) {
        return stretchEnd(t, spe);
      }
      if (options.localSteps() <= 1 || state.method().updatesAt(t)) {
        return t;
      }
      long secondEpochEnd = ((t - 1) / spe + 2) * spe;
      long end = t;
      while (end - t + 1 < options.localSteps() && end < state.totalSteps() && end != secondEpochEnd
          && !state.method().updatesAt(end + 1)) {
        end++;
      }
      return end;
    }

    /**
     * Last step of the barrier stretch starting at t: the step before the next mask update, the
     * epoch's last step (so every epoch is evaluated on exactly its model, as a job per step would)
     * or the run's end; t itself on a mask-update step, which runs as one Spark job.
     */
    private long stretchEnd(long t, long spe) {
      long end = t;
      while (!state.method().updatesAt(end) && end < state.totalSteps() && end % spe != 0
          && !state.method().updatesAt(end + 1)) {
        end++;
      }
      return end;
    }

    private StepOutcome syncStep(long t) {
      long t0 = System.nanoTime();
      Network net = state.network();
      int epoch = sampler.epochOf(t);
      long sent = ensureStructure();
      ModelValues mv = ModelValues.of(net, state.maskVersion());
      boolean onDriver = gatheredStep == t;
      Broadcast<ModelValues> values = onDriver ? null : sc.broadcast(mv);
      sent += onDriver ? 0 : mv.bytes();
      describe(String.format(Locale.ROOT, "step %d/%d epoch %d (last loss %s)", t, state.totalSteps(), epoch, fmt(lastLoss)));
      long[] received = {0};
      long[] computeNanos = {0};
      long driverNanos = 0;
      boolean dense = new StepRule(state.method()).needsDenseGradient(t);
      boolean[] keep = dense ? inactiveLayers(net) : null;
      Broadcast<BatchActivations> activations = null;
      InactiveJobs inactive = null;
      if (!dense) {
        destroyRetired();   // a growth step does it while its growth tasks run
      }
      try {
        Parts.Gradient sum = onDriver
            ? Tasks.Step.onDriver(structure.value(), mv, plan.batchSize(), gathered, keep)
            : PartitionJob.run(shards, new Tasks.Step(runId, structure, values, sampler, t, options.failOnceAtStep(),
                keep), new Parts.Gradient(), Parts.Gradient::merge, options.treeDepth());
        gathered = List.of();
        if (sum.acc == null || sum.count != plan.batchSize()) {
          throw new IllegalStateException("step " + t + " covered " + sum.count + " of " + plan.batchSize()
              + " rows of the global batch: the cached shards do not match the data");
        }
        if (sum.bad) {
          throw Divergence.diverged(t);
        }
        if (onDriver) {
          driverNanos = sum.computeNanos;
        } else {
          received[0] += 8L * sum.acc.length * sum.tasks;
          computeNanos[0] += sum.computeNanos;
        }
        if (dense) {
          BatchActivations a = BatchActivations.of(sum.rows, plan.batchSize());
          received[0] += onDriver ? 0 : a.bytes();
          activations = sc.broadcast(a);
          sent += a.bytes();
          inactive = new InactiveJobs(activations, t, received, computeNanos);
          destroyRetired();   // while the growth tasks run
        }
        ParameterLayout layout = net.layout();
        float[] grad = FixedPoint.toFloat(sum.acc);
        TrainingState.InactiveGradientSource source = dense ? inactive::visit : null;
        long finish = System.nanoTime();
        double[] churn = state.finishStep(grad, layout, source);
        long end = System.nanoTime();
        // the driver's own training math: the optimizer, and the mask decision and change while no growth job runs
        driverNanos += end - (inactive == null ? finish : inactive.quietSince(finish, end));
        double ms = (System.nanoTime() - t0) / 1e6;
        BatchStats s = new BatchStats(sum.lossSum, sum.correct, sum.count);
        lastLoss = s.meanLoss();
        double compute = computeNanos[0] / 1e6 / parallelism + driverNanos / 1e6;
        StepReport report = new StepReport(t, epoch, s.meanLoss(), s.accuracy(), state.learningRate(t), ms, compute,
            driverNanos / 1e6, sent, received[0]);
        progress(t, epoch, s, ms, compute);
        return new StepOutcome(s, report, churn == null ? null : new MaskUpdateReport(t, churn, net.densities(), ms));
      } finally {
        boolean cancelled = inactive != null && inactive.cancelRest();
        if (activations != null) {
          if (cancelled) {
            activations.unpersist(false);   // a cancelled job's tasks may still read it; the cleaner frees it later
          } else {
            retired.add(activations);
          }
        }
        if (values != null) {
          retired.add(values);
        }
      }
    }

    /** The layers with inactive positions (sparse and not full), whose dense gradient growth may ask for. */
    private boolean[] inactiveLayers(Network net) {
      boolean[] keep = new boolean[net.layerCount()];
      for (int l = 0; l < keep.length; l++) {
        Layer layer = net.layer(l);
        keep[l] = layer.isSparse() && layer.nnz() < (long) layer.inFeatures() * layer.outFeatures();
      }
      return keep;
    }

    /**
     * The inactive-position gradients of a mask-update step t in row blocks of at most
     * {@code denseBlockFloats} dense floats, each block's rows split over the {@link #blockTasks}
     * tasks, all computed from the step's broadcast batch. Consecutive blocks share a Spark job as
     * long as no task's message (its rows' floats, or only its largest |g| where the growth reads
     * no more, {@link org.sparsetrain.training.sparsity.SparsityMethod#largestInactiveGradients})
     * can exceed {@code denseBlockFloats}: RigL's update at 90 % sparsity is one job for all layers.
     * The first {@link #INACTIVE_JOBS_AHEAD} jobs are submitted at once and each consumed job
     * submits the next, so Spark's fixed cost per job overlaps other jobs' tasks; the growth
     * decision asks for the blocks layer by layer, in row order. A block asked for again (or out
     * of that order) runs its job again.
     */
    private final class InactiveJobs {
      private final Broadcast<BatchActivations> activations;
      private final long t;
      private final long[] received;
      private final long[] computeNanos;
      /** Per layer, how many of the largest |g| the growth reads (tasks send only those), or null for all. */
      private final int[] largest;
      /** Every row block with inactive positions, in order, grouped into jobs. */
      private final List<List<Block>> jobs = new ArrayList<>();
      private final Map<Block, Integer> jobOf = new HashMap<>();
      private final Map<Integer, PartitionJob.Pending<List<Parts.Piece[]>>> pending = new HashMap<>();
      /** Results of a job until each of its blocks was visited once (then dropped: no layer is kept whole). */
      private final Map<Integer, List<Parts.Piece[]>> results = new HashMap<>();
      private final Map<Integer, Integer> unvisited = new HashMap<>();
      private int next;
      /** When the driver last received a job's results (0: none yet). */
      private long lastResultNanos;

      InactiveJobs(Broadcast<BatchActivations> activations, long t, long[] received, long[] computeNanos) {
        this.activations = activations;
        this.t = t;
        this.received = received;
        this.computeNanos = computeNanos;
        Network net = state.network();
        this.largest = state.method().largestInactiveGradients(t, net);
        List<Block> job = new ArrayList<>();
        long floats = 0;
        for (int l = 0; l < net.layerCount(); l++) {
          Layer layer = net.layer(l);
          if (!layer.isSparse()) {
            continue;
          }
          int in = layer.inFeatures();
          int blockRows = Math.max(1, options.denseBlockFloats() / in);
          int[] rp = layer.rowPtr();
          for (int r0 = 0; r0 < layer.outFeatures(); r0 += blockRows) {
            int r1 = Math.min(layer.outFeatures(), r0 + blockRows);
            int n = (r1 - r0) * in - (rp[r1] - rp[r0]);
            if (n == 0 || largest(l) == 0) {
              continue;
            }
            Block b = new Block(l, r0, r1, n);
            long message = largest(l) < 0 ? n : Math.min(largest(l), n);
            if (!job.isEmpty() && floats + message > options.denseBlockFloats()) {
              addJob(job);
              job = new ArrayList<>();
              floats = 0;
            }
            job.add(b);
            floats += message;
          }
        }
        if (!job.isEmpty()) {
          addJob(job);
        }
        while (next < jobs.size() && pending.size() < INACTIVE_JOBS_AHEAD) {
          pending.put(next, submit(next));
          next++;
        }
      }

      private void addJob(List<Block> job) {
        job.forEach(b -> jobOf.put(b, jobs.size()));
        jobs.add(job);
      }

      private PartitionJob.Pending<List<Parts.Piece[]>> submit(int j) {
        List<Block> job = jobs.get(j);
        Block first = job.get(0);
        Block last = job.get(job.size() - 1);
        describe(String.format(Locale.ROOT, "step %d dense gradient of layer %d row %d .. layer %d row %d (%d blocks)", t,
            first.layer, first.r0, last.layer, last.r1 - 1, job.size()));
        int[] layers = job.stream().mapToInt(Block::layer).toArray();
        return PartitionJob.submitCollect(blockTasks, new Tasks.Inactive(structure, activations, layers,
            job.stream().mapToInt(Block::r0).toArray(), job.stream().mapToInt(Block::r1).toArray(),
            java.util.Arrays.stream(layers).map(this::largest).toArray(), blockTasks.getNumPartitions()));
      }

      private int largest(int l) {
        return largest == null ? -1 : Math.max(0, largest[l]);
      }

      /** Each task's pieces of block b (in task order, so in row order), running its job if needed. */
      private List<Parts.Piece> pieces(Block b) {
        int j = jobOf.get(b);
        List<Parts.Piece[]> out = results.get(j);
        if (out == null) {
          PartitionJob.Pending<List<Parts.Piece[]>> job = pending.remove(j);
          out = (job != null ? job : submit(j)).get();
          lastResultNanos = System.nanoTime();
          results.put(j, out);
          unvisited.put(j, jobs.get(j).size());
          while (next < jobs.size() && pending.size() < INACTIVE_JOBS_AHEAD) {
            pending.put(next, submit(next));
            next++;
          }
        }
        if (unvisited.merge(j, -1, Integer::sum) == 0) {
          results.remove(j);
        }
        int i = jobs.get(j).indexOf(b);
        List<Parts.Piece> pieces = new ArrayList<>();
        for (Parts.Piece[] task : out) {
          pieces.add(task[i]);
        }
        return pieces;
      }

      /** Streams layer l's inactive-position gradient of step t in row blocks. */
      void visit(int l, MaskUpdateContext.InactiveGradientVisitor v) {
        Layer layer = state.network().layer(l);
        int in = layer.inFeatures();
        int out = layer.outFeatures();
        int[] rp = layer.rowPtr();
        int blockRows = Math.max(1, options.denseBlockFloats() / in);
        for (int r0 = 0; r0 < out; r0 += blockRows) {
          int r1 = Math.min(out, r0 + blockRows);
          int n = (r1 - r0) * in - (rp[r1] - rp[r0]);
          if (positionBuffer.length < n) {
            positionBuffer = new long[n];
            gradientBuffer = new float[n];
          }
          long[] pos = positionBuffer;
          float[] g = gradientBuffer;
          int keep = largest(l);
          if (n == 0 || keep == 0) {   // nothing inactive, or the growth reads none of it
            v.visit(pos, g, 0);
            continue;
          }
          if (keep < 0) {
            InactiveBlock.positions(rp, layer.colIdx(), in, r0, r1, pos);
          }
          int covered = 0;
          int at = 0;
          for (Parts.Piece p : pieces(new Block(l, r0, r1, n))) {
            if (p.bad) {
              throw Divergence.diverged(t, "dense gradient of layer " + l + " rows " + p.r0 + ".." + (p.r1 - 1));
            }
            int count = (p.r1 - p.r0) * in - (rp[p.r1] - rp[p.r0]);
            int sent = keep < 0 ? count : Math.min(keep, count);
            if (p.layer != l || p.gradient.length != sent || (p.positions != null) != (keep >= 0)) {
              throw new IllegalStateException("step " + t + ": the task of layer " + p.layer + " rows " + p.r0 + ".."
                  + (p.r1 - 1) + " returned " + p.gradient.length + " gradients, expected " + sent + " of layer " + l);
            }
            System.arraycopy(p.gradient, 0, g, at, sent);
            if (keep >= 0) {
              System.arraycopy(p.positions, 0, pos, at, sent);
            }
            covered += count;
            at += sent;
            computeNanos[0] += p.computeNanos;
          }
          if (covered != n) {
            throw new IllegalStateException("step " + t + ": the tasks of layer " + l + " rows " + r0 + ".." + (r1 - 1)
                + " covered " + covered + " of " + n + " inactive positions");
          }
          received[0] += (keep < 0 ? 4L : 12L) * at;
          v.visit(pos, g, at);
        }
      }

      /** Rows [r0, r1) of a layer, with {@code count} inactive positions. */
      private record Block(int layer, int r0, int r1, int count) {}

      /** Since when, between {@code from} and {@code now}, no growth job has been running for this update. */
      long quietSince(long from, long now) {
        return pending.isEmpty() ? Math.max(from, lastResultNanos) : now;
      }

      /** Cancels the block jobs nobody asked for (or left behind by a failure); whether there were any. */
      boolean cancelRest() {
        boolean any = !pending.isEmpty();
        pending.values().forEach(PartitionJob.Pending::cancel);
        pending.clear();
        return any;
      }
    }

    /** What a round's or a stretch's tasks start from: values and optimizer state, and the bytes sent for them. */
    private record Replicas(Broadcast<ModelValues> values, long bytes) {}

    /**
     * Broadcasts the values with the optimizer state (and the structure, if the mask changed: it is
     * serialised in another thread while this one broadcasts the values).
     */
    private Replicas broadcastReplicas() {
      CompletableFuture<Long> structureSent = structureCurrent()
          ? CompletableFuture.completedFuture(0L) : CompletableFuture.supplyAsync(this::ensureStructure);
      ModelValues mv = ModelValues.withOptimizer(state.network(), state.maskVersion(), state.optimizer());
      Broadcast<ModelValues> values;
      long sent;
      try {
        values = sc.broadcast(mv);
      } finally {
        sent = joinStructure(structureSent);
      }
      return new Replicas(values, sent + mv.bytes());
    }

    /**
     * Steps [from, to] as one barrier stage ({@link StretchTask}): the tasks allreduce each step's
     * fixed-point gradient sum between them and finish every step identically; rank 0 returns the
     * model at the end, which replaces the driver's, bit for bit what a job per step would give.
     */
    private List<StepOutcome> barrierStretch(long from, long to) {
      long t0 = System.nanoTime();
      Network net = state.network();
      OptimizerState opt = state.optimizer();
      Replicas start = broadcastReplicas();
      Broadcast<ModelValues> values = start.values();
      long sent = start.bytes();
      describe(String.format(Locale.ROOT, "barrier steps %d..%d/%d epoch %d (last loss %s)", from, to, state.totalSteps(),
          sampler.epochOf(from), fmt(lastLoss)));
      long gather = stepOnDriverAfter(to) ? to + 1 : 0;
      List<Parts.Round> parts;
      try {
        destroyRetired();
        parts = runStretch(values, from, to, gather);
      } finally {
        retired.add(values);
      }
      int k = (int) (to - from + 1);
      Parts.Round head = null;
      long received = 0;
      long computeNanos = 0;
      long collectiveNanos = 0;
      List<ShardRows> next = new ArrayList<>();
      for (Parts.Round part : parts) {
        collectiveNanos += part.collectiveNanos;
        if (part.diverged > 0) {
          throw Divergence.diverged(part.diverged);
        }
        if (part.params != null) {
          head = part;
          received += 4L * part.params.length * (1 + part.slots.length);
        }
        computeNanos += part.computeNanos;
        for (ShardRows r : part.next == null ? new ShardRows[0] : part.next) {
          next.add(r);
          received += r.bytes();
        }
      }
      for (int i = 0; i < k; i++) {
        if (head == null || head.count[i] != plan.batchSize()) {
          throw new IllegalStateException("step " + (from + i) + " covered " + (head == null ? 0 : head.count[i]) + " of "
              + plan.batchSize() + " rows of the global batch: the cached shards do not match the data");
        }
      }
      ParameterLayout layout = net.layout();
      int slots = opt.slots();
      float[][][] ws = new float[net.layerCount()][slots][];
      float[][][] bs = new float[net.layerCount()][slots][];
      for (int l = 0; l < net.layerCount(); l++) {
        Layer layer = net.layer(l);
        System.arraycopy(head.params, layout.weightOffset(l), layer.values(), 0, layer.nnz());
        System.arraycopy(head.params, layout.biasOffset(l), layer.bias(), 0, layer.outFeatures());
        for (int s = 0; s < slots; s++) {
          ws[l][s] = opt.weightSlot(l, s);
          bs[l][s] = opt.biasSlot(l, s);
          System.arraycopy(head.slots[s], layout.weightOffset(l), ws[l][s], 0, layer.nnz());
          System.arraycopy(head.slots[s], layout.biasOffset(l), bs[l][s], 0, layer.outFeatures());
        }
      }
      state = new TrainingState(net, OptimizerState.restore(opt.optimizer(), ws, bs, head.optimizerStep), state.method(),
          plan.learningRate(state.totalSteps()), state.seed(), state.totalSteps(), to, state.maskVersion());
      lastState = state;
      gathered = next;
      gatheredStep = gather > 0 ? gather : -1;
      double ms = (System.nanoTime() - t0) / 1e6;
      double compute = (computeNanos - collectiveNanos) / 1e6 / parallelism;
      double collective = collectiveNanos / 1e6 / parts.size();
      // each step, each task sends 2·(P−1)/P of the gradient's longs round the ring, and its 4 totals P−1 times
      int p = parts.size();
      long ringBytes = p == 1 ? 0 : 2L * (p - 1) * 8L * layout.size() / p + 32L * (p - 1);
      List<StepOutcome> perStep = new ArrayList<>(k);
      BatchStats total = BatchStats.ZERO;
      for (int i = 0; i < k; i++) {
        long t = from + i;
        BatchStats s = new BatchStats(head.lossSum[i], head.correct[i], head.count[i]);
        total = total.plus(s);
        perStep.add(new StepOutcome(s, new StepReport(t, sampler.epochOf(t), s.meanLoss(), s.accuracy(),
            state.learningRate(t), ms / k, compute / k, 0, sent / k, received / k, collective / k, ringBytes), null));
      }
      lastLoss = perStep.get(k - 1).report().loss();
      progress(to, sampler.epochOf(to), total, ms, compute);
      return perStep;
    }

    /**
     * Runs a stretch's barrier stage; runs it again when a task failed (Spark does not retry a failed
     * barrier stage whose tasks return results), up to {@code spark.stage.maxConsecutiveAttempts}
     * times: each run starts from the same broadcasts, so the result is the same.
     */
    private List<Parts.Round> runStretch(Broadcast<ModelValues> values, long from, long to, long gather) {
      int attempts = Math.max(1, sc.getConf().getInt("spark.stage.maxConsecutiveAttempts", 4));
      for (int attempt = 0; ; attempt++) {
        // a fresh token each run: a connection left from a failed run cannot join the next
        StretchTask task = new StretchTask(runId, structure, values, sampler, from, to, plan, state.totalSteps(),
            options.failOnceAtStep(), gather, BarrierRing.newToken(), options.barrierTimeoutMillis(), attempt);
        try {
          return shards.rdd().barrier().mapPartitions(task, false, ClassTag$.MODULE$.apply(Parts.Round.class))
              .toJavaRDD().collect();
        } catch (Exception e) {   // SparkException is checked but thrown undeclared
          if (sc.sc().isStopped()) {
            throw e;
          }
          if (attempt + 1 >= attempts) {
            throw new IllegalStateException(options.runName() + ": the barrier stage of steps " + from + ".." + to + " failed "
                + attempts + " times (spark.stage.maxConsecutiveAttempts); the model and the last checkpoint are those of"
                + " step " + (from - 1) + ". Last failure: " + firstLine(e), e);
          }
          LOG.warn("{}: barrier stage of steps {}..{} failed (run {} of at most {}), running it again: {}",
              options.runName(), from, to, attempt + 1, attempts, firstLine(e));
        }
      }
    }

    /** Steps [from, to] as one local-SGD round, then averaging; each step's loss and accuracy over the replicas. */
    private List<StepOutcome> localRound(long from, long to) {
      long t0 = System.nanoTime();
      Network net = state.network();
      OptimizerState opt = state.optimizer();
      Replicas start = broadcastReplicas();
      Broadcast<ModelValues> values = start.values();
      long sent = start.bytes();
      describe(String.format(Locale.ROOT, "local steps %d..%d/%d epoch %d (last loss %s)", from, to, state.totalSteps(),
          sampler.epochOf(from), fmt(lastLoss)));
      long gather = stepOnDriverAfter(to) ? to + 1 : 0;
      List<Parts.Round> parts;
      PartitionJob.Pending<List<Parts.Round>> job = PartitionJob.submitCollect(shards, new Tasks.Round(runId, structure,
          values, sampler, from, to, plan, state.totalSteps(), options.failOnceAtStep(), gather));
      try {
        destroyRetired();   // while the round's tasks run
        parts = job.get();
      } finally {
        job.cancel();
        retired.add(values);
      }
      List<ShardRows> next = new ArrayList<>();
      ParameterLayout layout = net.layout();
      int slots = opt.slots();
      long rows = 0;
      long received = 0;
      long computeNanos = 0;
      int k = (int) (to - from + 1);
      double[] loss = new double[k];
      long[] correct = new long[k];
      long[] count = new long[k];
      for (Parts.Round part : parts) {
        received += 4L * layout.size() * (1 + slots);
        computeNanos += part.computeNanos;
        for (ShardRows r : part.next == null ? new ShardRows[0] : part.next) {
          next.add(r);
          received += r.bytes();
        }
        for (int i = 0; i < k; i++) {
          loss[i] += part.lossSum[i];
          correct[i] += part.correct[i];
          count[i] += part.count[i];
        }
        rows += part.rows;
      }
      float[][][] ws = new float[net.layerCount()][slots][];
      float[][][] bs = new float[net.layerCount()][slots][];
      for (int l = 0; l < net.layerCount(); l++) {
        for (int s = 0; s < slots; s++) {
          ws[l][s] = opt.weightSlot(l, s);
          bs[l][s] = opt.biasSlot(l, s);
        }
      }
      List<Parts.Round> replicas = parts.stream().filter(part -> part.rows > 0).toList();
      if (replicas.isEmpty()) {
        throw new IllegalStateException("round " + from + ".." + to + " trained on no rows");
      }
      if (sums.length != 1 + slots || sums[0].length != layout.size()) {
        sums = new double[1 + slots][layout.size()];
      }
      long replicaRows = rows;
      // the values and each optimizer slot are averaged independently of each other, so in parallel
      IntStream.range(0, 1 + slots).parallel().forEach(a -> {
        double[] sum = sums[a];
        int last = replicas.size() - 1;
        for (int q = 0; q < last; q++) {
          Parts.Round part = replicas.get(q);
          accumulate(q == 0, part.rows, a == 0 ? part.params : part.slots[a - 1], sum);
        }
        Parts.Round part = replicas.get(last);
        float[] x = a == 0 ? part.params : part.slots[a - 1];
        for (int l = 0; l < net.layerCount(); l++) {
          Layer layer = net.layer(l);
          average(last == 0, sum, part.rows, x, layout.weightOffset(l), replicaRows, a == 0 ? layer.values() : ws[l][a - 1]);
          average(last == 0, sum, part.rows, x, layout.biasOffset(l), replicaRows, a == 0 ? layer.bias() : bs[l][a - 1]);
        }
      });
      state = new TrainingState(net, OptimizerState.restore(opt.optimizer(), ws, bs, opt.step() + k), state.method(),
          plan.learningRate(state.totalSteps()), state.seed(), state.totalSteps(), to, state.maskVersion());
      lastState = state;
      gathered = next;
      gatheredStep = gather > 0 ? gather : -1;
      double ms = (System.nanoTime() - t0) / 1e6;
      double compute = computeNanos / 1e6 / parallelism;
      BatchStats total = BatchStats.ZERO;
      List<StepOutcome> perStep = new ArrayList<>(k);
      for (int i = 0; i < k; i++) {
        long t = from + i;
        BatchStats s = new BatchStats(loss[i], correct[i], count[i]);
        total = total.plus(s);
        perStep.add(new StepOutcome(s, new StepReport(t, sampler.epochOf(t), s.meanLoss(), s.accuracy(),
            state.learningRate(t), ms / k, compute / k, 0, sent / k, received / k), null));
      }
      lastLoss = new BatchStats(loss[k - 1], correct[k - 1], count[k - 1]).meanLoss();
      progress(to, sampler.epochOf(to), total, ms, compute);
      return perStep;
    }

    /**
     * Whether the mask-update step after a round ending at {@code to} runs on the driver, from the
     * rows the round gathers for it: when its forward/backward (about 3·B·parameters
     * multiply-adds) is at most {@link SparkTrainerOptions#driverStepMacs()}, a few milliseconds
     * on one core against a Spark job's tens.
     */
    private boolean stepOnDriverAfter(long to) {
      return to < state.totalSteps() && state.method().updatesAt(to + 1)
          && 3.0 * plan.batchSize() * state.network().layout().size() <= options.driverStepMacs();
    }

    /** The bytes a structure broadcast sent, or its failure as it was thrown. */
    private static long joinStructure(CompletableFuture<Long> sent) {
      try {
        return sent.join();
      } catch (CompletionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : e;
      }
    }

    private void destroyRetired() {
      retired.forEach(Broadcast::destroy);
      retired.clear();
    }

    /** {@code sum += r·x} in doubles; the first replica starts the sum at 0.0 (so −0.0 becomes +0.0, as a sum does). */
    private static void accumulate(boolean first, long r, float[] x, double[] sum) {
      if (first) {
        for (int i = 0; i < x.length; i++) {
          sum[i] = 0.0 + r * (double) x[i];
        }
      } else {
        for (int i = 0; i < x.length; i++) {
          sum[i] += r * (double) x[i];
        }
      }
    }

    /**
     * {@code into[j] = (sum + r·x) / rows} at {@code off + j}, the last replica's share added as
     * {@link #accumulate} would (to 0.0 when it is the only one), then rounded to float once.
     */
    private static void average(boolean only, double[] sum, long r, float[] x, int off, long rows, float[] into) {
      if (only) {
        for (int j = 0; j < into.length; j++) {
          into[j] = (float) ((0.0 + r * (double) x[off + j]) / rows);
        }
      } else {
        for (int j = 0; j < into.length; j++) {
          into[j] = (float) ((sum[off + j] + r * (double) x[off + j]) / rows);
        }
      }
    }

    @Override
    public BatchStats evaluate() {
      long step = state.step();
      ensureStructure();
      Broadcast<ModelValues> values = sc.broadcast(ModelValues.of(state.network(), state.maskVersion()));
      try {
        describe(String.format(Locale.ROOT, "evaluation after step %d", step));
        Parts.Eval e = test.mapPartitions(new Tasks.Eval(runId, structure, values, EVAL_CAPACITY))
            .reduce(Parts.Eval::merge);
        return new BatchStats(e.lossSum, e.correct, e.count);
      } finally {
        retired.add(values);
      }
    }

    private void progress(long t, int epoch, BatchStats s, double ms, double compute) {
      if (options.logEvery() > 0 && (t % options.logEvery() == 0 || t == state.totalSteps())) {
        LOG.info("{}: step {}/{} epoch {} loss {} acc {} | {} ms/step, compute {} ms", options.runName(), t,
            state.totalSteps(), epoch, fmt(s.meanLoss()), fmt(s.accuracy()), fmt(ms), fmt(compute));
      }
    }

    @Override
    public void close() {
      destroyRetired();
      if (structure != null) {
        structure.destroy();
      }
      shards.unpersist(false);
      ExecutorCache.forget(runId);
      sc.setLocalProperty("spark.jobGroup.id", previousGroup);
      sc.setLocalProperty("spark.job.description", previousDescription);
      sc.setLocalProperty("spark.job.interruptOnCancel", previousInterrupt);
    }
  }

  private static final int EVAL_CAPACITY = org.sparsetrain.training.Evaluation.CHUNK;
  /** Row-block jobs of a mask update's dense gradient in flight at once (each holds one block's fixed-point sum). */
  static final int INACTIVE_JOBS_AHEAD = 3;

  private static final Pattern LOCAL = Pattern.compile("local\\[(\\*|\\d+)(,\\d+)?]");
  private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[(\\d+),\\s*(\\d+),\\s*\\d+]");

  /**
   * How many tasks the cluster runs at once: from the master URL in local modes, else Spark's
   * default parallelism (the executors' cores on standalone, YARN and Kubernetes unless set).
   */
  static int taskSlots(org.apache.spark.SparkContext sc) {
    String master = sc.master();
    int cpusPerTask = Math.max(1, sc.conf().getInt("spark.task.cpus", 1));
    Matcher local = LOCAL.matcher(master);
    if (master.equals("local")) {
      return 1;
    }
    if (local.matches()) {
      int threads = local.group(1).equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(local.group(1));
      return Math.max(1, threads / cpusPerTask);
    }
    Matcher cluster = LOCAL_CLUSTER.matcher(master);
    if (cluster.matches()) {
      return Integer.parseInt(cluster.group(1)) * Math.max(1, Integer.parseInt(cluster.group(2)) / cpusPerTask);
    }
    return sc.defaultParallelism();
  }

  private static String firstLine(Throwable e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.4f", v);
  }
}
