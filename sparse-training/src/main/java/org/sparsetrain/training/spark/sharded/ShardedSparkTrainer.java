package org.sparsetrain.training.spark.sharded;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.api.java.function.PairFlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparsetrain.training.Divergence;
import org.sparsetrain.training.EpochReport;
import org.sparsetrain.training.MaskUpdateReport;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.StepEngine;
import org.sparsetrain.training.StepOutcome;
import org.sparsetrain.training.StepReport;
import org.sparsetrain.training.StepRule;
import org.sparsetrain.training.TrainResult;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingLoop;
import org.sparsetrain.training.CompletedStep;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.checkpoint.Checkpoint;
import org.sparsetrain.training.checkpoint.CheckpointMeta;
import org.sparsetrain.training.checkpoint.CheckpointStore;
import org.sparsetrain.training.checkpoint.DriverState;
import org.sparsetrain.training.checkpoint.Manifest;
import org.sparsetrain.training.checkpoint.RestoredCheckpoint;
import org.sparsetrain.training.data.BatchSampler;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.nn.BatchStats;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.optim.LearningRate;
import org.sparsetrain.training.optim.Optimizer;
import org.sparsetrain.training.optim.OptimizerState;
import org.sparsetrain.training.spark.ExecutorCache;
import org.sparsetrain.training.spark.HadoopConf;
import org.sparsetrain.training.spark.ModelStructure;
import org.sparsetrain.training.spark.TrainingData;
import org.sparsetrain.training.sparsity.GrowthInput;
import org.sparsetrain.training.sparsity.SparsityMethod;
import scala.Tuple2;

/**
 * Data-parallel training with the model's values <em>and optimizer state</em> sharded over the
 * executors ({@code distribution.mode: sharded}); the driver keeps only the masks (4 bytes per
 * non-zero) and decides every mask change from per-shard candidates.
 *
 * <p><b>Shards.</b> Each layer's rows are cut into S ranges balanced by non-zero count (fixed for
 * the run); shard (l, j) holds rows [r0, r1) of layer l: structure, values, biases and optimizer
 * slots ({@link WeightShard}). They form a cached pair RDD keyed {@code l·S + j} and partitioned by
 * {@link ShardPartitioner} (partition j holds shard j of every layer); every step makes a new
 * version of it by transformations, persists it and unpersists the previous one.
 *
 * <p><b>One step, one Spark job, two shuffles</b> (P = data partitions, N = parameters):
 * <ol>
 *   <li><i>all-gather</i>: every shard sends its values and biases to each of the P data
 *   partitions ({@code flatMapToPair} + {@code partitionBy(HashPartitioner(P))}): 4·N·P bytes
 *   shuffled, no broadcast, nothing through the driver; each data task assembles the full
 *   model (it needs it for the forward pass, as in any data-parallel scheme);</li>
 *   <li>each data partition computes the gradient of its micro-batches exactly as the driver mode
 *   does (same virtual shards, 2^-40 fixed point) and cuts it into one slice per shard;</li>
 *   <li><i>reduce-scatter</i>: {@code reduceByKey(ShardPartitioner)}: 8·N bytes per data
 *   partition with rows at this step; the sums are {@code long}s, exact in any order;</li>
 *   <li>the owner of each shard ({@code join} of the co-partitioned shard and gradient RDDs, a
 *   narrow dependency) applies the optimizer to its slice: the same elementwise
 *   {@link Optimizer#update} with the same learning rate and step count as the driver mode;</li>
 *   <li>the action collects one small summary per shard (the batch statistics, and at mask
 *   updates the drop/growth candidates): O(S·L) bytes, or O(S·k) at updates.</li>
 * </ol>
 * So the result is bit-identical to the {@link org.sparsetrain.training.spark.SparkTrainer} with the
 * same virtual shards, for any S and P.
 *
 * <p><b>Mask updates</b> ({@link MaskCoordinator}): the method's own decision runs on the driver
 * over a candidate view and is verified exact; only changed positions go back
 * ({@link ShardMessages.ShardEdit}), and each owner applies the layer's structure change to its
 * slice (values and state; new connections at their grow value, 0 by default, with zero state).
 * Supported: methods that drop by per-layer magnitude and grow at random (SET) or by top |gradient|
 * (RigL), plus {@code static} and {@code dense}; {@code snfs} and {@code nm} are refused up front,
 * and any other decision that fails the checks stops the run with an error naming the method.
 *
 * <p><b>Bounded lineage, lost executors.</b> The shard RDD is checkpointed every
 * {@link ShardedOptions#checkpointEvery()} steps (reliable checkpoint when a checkpoint
 * directory is set, else {@code localCheckpoint}). With a reliable one, Spark itself recomputes a
 * lost executor's shards from it and the (pure) steps since. A local checkpoint's blocks die with
 * their executor: the step fails ({@link LostShards}), and the run restores every shard from the
 * last checkpoint it committed through {@link ShardedStep#commit} (else from where it started: the
 * same seed gives the same initial model) onto the live executors, logs one line ("executor lost
 * at step N; restored shards from checkpoint step M, continuing") and trains on from step M, at
 * most {@link ShardedOptions#maxRecoveries()} times per run. Every step being a pure function of
 * (seed, step, shards), the run ends with the straight run's model.
 *
 * <p><b>Checkpoints of the run.</b> Where the driver mode calls {@link TrainingListener#afterStep}
 * with its {@link TrainingState}, this calls {@link TrainingListener#afterShardedStep}: its
 * {@link ShardedStep#commit} has each shard's owner write its {@link org.sparsetrain.training.checkpoint.ShardFile}
 * in parallel (through Hadoop {@code FileSystem} with the driver's configuration), and the driver
 * write the manifest last ({@link CheckpointStore#commitSharded}). {@link #restore} verifies the
 * newest such checkpoint on the owners and {@link #continueTraining(ShardedStart, JavaRDD, JavaRDD,
 * TrainingListener)} has them load it: the resumed run ends with the straight run's model.
 *
 * <p>Not in sharded mode: local SGD.
 */
public final class ShardedSparkTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(ShardedSparkTrainer.class);

  private final JavaSparkContext sc;
  private final ModelSpec spec;
  private final TrainingPlan plan;
  private final ShardedOptions options;
  private final List<String> checkpointFiles = Collections.synchronizedList(new ArrayList<>());
  private volatile long checkpointedSteps;

  public ShardedSparkTrainer(SparkSession spark, ModelSpec spec, TrainingPlan plan, ShardedOptions options) {
    this(JavaSparkContext.fromSparkContext(Objects.requireNonNull(spark, "spark").sparkContext()), spec, plan, options);
  }

  public ShardedSparkTrainer(JavaSparkContext sc, ModelSpec spec, TrainingPlan plan, ShardedOptions options) {
    this.sc = Objects.requireNonNull(sc, "spark context");
    this.spec = Objects.requireNonNull(spec, "model spec");
    this.plan = Objects.requireNonNull(plan, "training plan");
    this.options = options == null ? ShardedOptions.DEFAULTS : options;
    String why = MaskCoordinator.unsupportedReason(plan.method());
    if (why != null) {
      throw new UnsupportedOperationException("sparsity.method '" + plan.method().name()
          + "' is not supported in distribution.mode=sharded: " + why + "; use distribution.mode=driver");
    }
  }

  public ShardedOptions options() {
    return options;
  }

  /** Reliable checkpoint files of the shard RDD written during the last run (empty with localCheckpoint). */
  public List<String> checkpointFiles() {
    synchronized (checkpointFiles) {
      return new ArrayList<>(checkpointFiles);
    }
  }

  /** Steps after which the shard RDD was checkpointed in the last run (0 = the initial shards). */
  public long checkpoints() {
    return checkpointedSteps;
  }

  /**
   * Trains a freshly initialised network, the same as {@link TrainingState#fresh} would start, bit
   * for bit: the driver draws only the masks; each shard's owner draws its values from the seed and
   * starts its optimizer state at zero ({@link ShardedStart#fresh()}).
   */
  public TrainResult train(JavaRDD<DataBlock> train, JavaRDD<DataBlock> test, TrainingListener listener) {
    long n = TrainingData.checkTrain(train, spec, plan);
    TrainingData.checkTest(test, spec);
    return run(ShardedStart.fresh(), train, n, test, listener);
  }

  /** Trains from {@code state} (fresh or restored) to the end of the plan; the state object is not updated. */
  public TrainResult continueTraining(TrainingState state, JavaRDD<DataBlock> train, JavaRDD<DataBlock> test,
                                      TrainingListener listener) {
    TrainingData.checkState(state, spec);
    return continueTraining(ShardedStart.of(state), train, test, listener);
  }

  /**
   * Trains from {@code start} to the end of the plan: a driver-held state is cut into shards, a
   * sharded checkpoint is loaded by the shards' owners (the driver never holds its values).
   */
  public TrainResult continueTraining(ShardedStart start, JavaRDD<DataBlock> train, JavaRDD<DataBlock> test,
                                      TrainingListener listener) {
    long n = TrainingData.checkTrain(train, spec, plan);
    TrainingData.checkTest(test, spec);
    return run(start, train, n, test, listener);
  }

  /**
   * The newest checkpoint of {@code store} that verifies and fits this run, ready to continue a run
   * of {@code totalSteps} steps: a sharded checkpoint is verified by the shards' owners (each reads
   * its own file; a missing, truncated or corrupt shard file makes the store fall back to the
   * previous checkpoint, and says why); one of layout {@code full} (written by the driver mode)
   * is read on the driver, which held that model when it wrote it.
   */
  public CheckpointStore.Restored<ShardedStart> restore(CheckpointStore store, long totalSteps) throws IOException {
    HadoopConf conf = new HadoopConf(store.fileSystem().getConf());
    return store.restoreWith(spec, plan.method(), plan.optimizer(), (dir, m) -> {
      if (!m.sharded()) {
        RestoredCheckpoint c = Checkpoint.read(store.fileSystem(), dir, plan.optimizer());
        return ShardedStart.of(new TrainingState(c.network(), c.optimizer(), plan.method(), plan.learningRate(totalSteps),
            plan.seed(), totalSteps, c.step(), m.maskVersion()));
      }
      ShardTable table = ShardTable.of(dir, m);
      String previous = sc.getLocalProperty("spark.job.description");
      sc.setJobDescription(options.base().runName() + " verify the shards of " + dir);
      try {
        ModelStructure structure = ShardCheckpoints.check(sc, table, conf, spec);
        return ShardedStart.ofCheckpoint(dir, table, structure, m.step(), m.optimizerStep(), conf);
      } finally {
        sc.setLocalProperty("spark.job.description", previous);
      }
    });
  }

  private TrainResult run(ShardedStart initial, JavaRDD<DataBlock> train, long n, JavaRDD<DataBlock> test,
                          TrainingListener listener) {
    TrainingListener out = listener == null ? TrainingListener.NONE : listener;
    checkpointFiles.clear();
    checkpointedSteps = -1;
    try (Run r = new Run(initial, train, n, test)) {
      return new TrainingLoop(spec, plan, r).run(out);
    }
  }

  /** The broadcast size this mode reports for a structure (its estimate has always counted 8 bytes more). */
  private static long structureBytes(ModelStructure s) {
    return 8L + s.bytes();
  }

  /** Row cuts of every layer into S ranges balanced by non-zero count. */
  static int[][] cut(ModelStructure s, int shards) {
    int[][] b = new int[s.layers()][shards + 1];
    for (int l = 0; l < s.layers(); l++) {
      int out = s.out(l);
      long nnz = s.nnz(l);
      int r = 0;
      for (int j = 1; j < shards; j++) {
        long target = (nnz * j + shards - 1) / shards;
        while (r < out && s.rowStart(l, r) < target) {
          r++;
        }
        b[l][j] = Math.max(r, b[l][j - 1]);
      }
      b[l][shards] = out;
    }
    return b;
  }

  /** The driver-side bookkeeping of one run: structure, version, optimizer step, the current shard RDD. */
  private final class Run implements StepEngine {
    private final String runId = UUID.randomUUID().toString();
    private final String previousGroup = sc.getLocalProperty("spark.jobGroup.id");
    private final String previousDescription = sc.getLocalProperty("spark.job.description");
    private final String previousInterrupt = sc.getLocalProperty("spark.job.interruptOnCancel");
    private final BatchSampler sampler;
    private final JavaRDD<DataBlock> data;
    private final JavaRDD<DataBlock> test;
    private final int partitions;
    private final int shards;
    private final ShardPartitioner partitioner;
    private final int[][] bounds;
    private final SparsityMethod method;
    private final Optimizer optimizer;
    private final LearningRate learningRate;
    private final long seed;
    private final long totalSteps;
    private final boolean reliable;
    private ModelStructure structure;
    private Broadcast<ModelStructure> structureBc;
    /**
     * Structures replaced by mask updates since the shard RDD's lineage was last cut: Spark needs
     * them to recompute lost shards through the steps since (destroyed at the next checkpoint).
     */
    private final List<Broadcast<ModelStructure>> inLineage = new ArrayList<>();
    private JavaPairRDD<Integer, WeightShard> current;
    private long step;
    private long optimizerStep;
    private double lastLoss = Double.NaN;
    private long pendingSent;
    /** Where the run started (for a fresh run, its initial model), restored when executors are lost before a checkpoint. */
    private final ShardedStart initial;
    /** The last checkpoint this run committed, or null. */
    private RestorePoint restorePoint;
    private int recoveries;
    /** The step being run (for the lost-executor message). */
    private long running;

    Run(ShardedStart start, JavaRDD<DataBlock> train, long n, JavaRDD<DataBlock> test) {
      this.initial = start;
      this.test = test;
      this.sampler = new BatchSampler(n, plan.batchSize(), plan.seed());
      TrainingState initial = start.state;
      this.method = initial != null ? initial.method() : plan.method();
      this.optimizer = initial != null ? initial.optimizer().optimizer() : plan.optimizer();
      this.totalSteps = initial != null ? initial.totalSteps() : sampler.stepsPerEpoch() * plan.epochs();
      this.learningRate = plan.learningRate(totalSteps);
      this.seed = initial != null ? initial.seed() : plan.seed();
      this.step = start.step;
      this.optimizerStep = start.optimizerStep;
      if (step > totalSteps) {
        throw new IllegalArgumentException("the run starts at step " + step + " of a plan of " + totalSteps + " steps");
      }
      int configured = options.shards() > 0 ? options.shards() : Math.max(1, sc.defaultParallelism());
      if (start.table != null && start.table.perLayer != configured) {
        LOG.info("{}: resuming from {} with its {} shards per layer (the run would cut {}): the layout of a sharded"
            + " checkpoint is kept, the model is the same for any cut", options.base().runName(), start.dir,
            start.table.perLayer, configured);
      }
      this.shards = start.table != null ? start.table.perLayer : configured;
      this.partitioner = new ShardPartitioner(shards);
      int v = (int) Math.min(options.base().shardsFor(plan.batchSize()), n);
      int p = Math.max(1, Math.min(train.getNumPartitions(), v));
      this.data = TrainingData.virtualShards(train, n, v, p)
          .setName(options.base().runName() + " training shards (" + v + " virtual shards)")
          .persist(StorageLevel.MEMORY_AND_DISK());
      this.partitions = p;
      if (options.checkpointDir() != null && !sc.getCheckpointDir().isPresent()) {
        sc.setCheckpointDir(options.checkpointDir());
      }
      this.reliable = sc.getCheckpointDir().isPresent();
      if (start.fresh) {
        this.structure = freshStructure();
        this.bounds = cut(structure, shards);
        this.structureBc = sc.broadcast(structure);
        this.current = initialise();
      } else if (initial != null) {
        Network net = initial.network();
        this.structure = ModelStructure.of(net, initial.maskVersion());
        this.bounds = cut(structure, shards);
        this.current = distribute(net, initial.optimizer());
        this.structureBc = sc.broadcast(structure);
      } else {
        this.structure = start.structure;
        this.bounds = start.table.bounds();
        describe("load the shards of " + start.dir);
        this.current = materialise(ShardCheckpoints.load(sc, start.table, start.conf), step, true).rdd;
        this.structureBc = sc.broadcast(structure);
      }
      pendingSent = structureBytes(structure);
      LOG.info("{}: sharded mode, {} rows, batch {}, {} virtual shards over {} data partitions, {} shards per layer,"
              + " {} non-zeros, checkpoint every {} steps ({}), run id {}", options.base().runName(), n, plan.batchSize(),
          v, p, shards, structure.totalNnz(), options.checkpointEvery(), reliable ? "reliable" : "local", runId);
    }

    /** The masks of a fresh run (those {@link ModelSpec#build} draws), mask version 0; no values. */
    private ModelStructure freshStructure() {
      int[][][] masks = spec.masks(method, seed);
      int[][] rowPtr = new int[masks.length][];
      int[][] colIdx = new int[masks.length][];
      for (int l = 0; l < masks.length; l++) {
        if (masks[l] != null) {
          rowPtr[l] = masks[l][0];
          colIdx[l] = masks[l][1];
        }
      }
      return ModelStructure.of(spec, 0, rowPtr, colIdx);
    }

    /**
     * The shards of a fresh run, made on their owners: the driver ships only descriptors (key,
     * layer, row range), partitioned as the shards are; each owner takes its slice of the structure
     * broadcast ({@link #structureBc}, already of {@link #freshStructure}), draws its rows' He values
     * exactly as {@link org.sparsetrain.training.nn.Init#heValues} does for the whole layer, and
     * starts biases and optimizer slots at zero.
     */
    private JavaPairRDD<Integer, WeightShard> initialise() {
      List<Tuple2<Integer, int[]>> list = new ArrayList<>();
      for (int l = 0; l < structure.layers(); l++) {
        for (int j = 0; j < shards; j++) {
          list.add(new Tuple2<>(l * shards + j, new int[] {l * shards + j, l, bounds[l][j], bounds[l][j + 1]}));
        }
      }
      describe("initialise " + list.size() + " shards on their owners");
      JavaPairRDD<Integer, WeightShard> rdd = sc.parallelizePairs(list, shards).partitionBy(partitioner)
          .mapValues(new InitShard(structureBc, seed, optimizer.slots()));
      return materialise(rdd, step, true).rdd;
    }

    /** Cuts the driver's initial model into shards; the driver keeps no reference once they are cached. */
    private JavaPairRDD<Integer, WeightShard> distribute(Network net, OptimizerState opt) {
      List<Tuple2<Integer, WeightShard>> list = new ArrayList<>();
      int slots = optimizer.slots();
      for (int l = 0; l < structure.layers(); l++) {
        Layer layer = net.layer(l);
        for (int j = 0; j < shards; j++) {
          int r0 = bounds[l][j];
          int r1 = bounds[l][j + 1];
          int k0 = (int) structure.rowStart(l, r0);
          int k1 = (int) structure.rowStart(l, r1);
          WeightShard w = new WeightShard();
          w.key = l * shards + j;
          w.layer = l;
          w.r0 = r0;
          w.r1 = r1;
          w.in = structure.in(l);
          w.version = structure.version();
          if (structure.sparse(l)) {
            w.rowPtr = new int[r1 - r0 + 1];
            for (int r = r0; r <= r1; r++) {
              w.rowPtr[r - r0] = structure.rowPtr(l)[r] - k0;
            }
            w.colIdx = Arrays.copyOfRange(structure.colIdx(l), k0, k1);
          }
          w.values = Arrays.copyOfRange(layer.values(), k0, k1);
          w.bias = Arrays.copyOfRange(layer.bias(), r0, r1);
          w.slots = new float[slots][];
          w.biasSlots = new float[slots][];
          for (int s = 0; s < slots; s++) {
            w.slots[s] = Arrays.copyOfRange(opt.weightSlot(l, s), k0, k1);
            w.biasSlots[s] = Arrays.copyOfRange(opt.biasSlot(l, s), r0, r1);
          }
          list.add(new Tuple2<>(w.key, w));
        }
      }
      describe("distribute the initial model into " + list.size() + " shards");
      JavaPairRDD<Integer, WeightShard> rdd = sc.parallelizePairs(list, shards).partitionBy(partitioner);
      return materialise(rdd, step, true).rdd;
    }

    private void describe(String what) {
      sc.setJobGroup(runId, options.base().runName() + " " + what, false);
    }

    /** A committed checkpoint of this run and the epoch's training statistics at its step. */
    private record RestorePoint(CheckpointStore store, long step, BatchStats epochStats) {}

    private record Materialised(JavaPairRDD<Integer, WeightShard> rdd, List<ShardMessages.ShardSummary> summaries) {}

    /** Persists {@code next}, checkpoints it if due, runs the action that computes it, and drops the old version. */
    private Materialised materialise(JavaPairRDD<Integer, WeightShard> next, long t, boolean forceCheckpoint) {
      return materialise(next, t, forceCheckpoint, null, null);
    }

    /**
     * At a mask-update step the step's shards are only an intermediate (the applied change follows
     * at once), so only the post-change version is checkpointed: {@code mayCheckpoint} false.
     */
    private Materialised materialise(JavaPairRDD<Integer, WeightShard> next, long t, boolean forceCheckpoint,
                                     int[] k, int[] m) {
      return materialise(next, t, forceCheckpoint, true, k, m);
    }

    private Materialised materialise(JavaPairRDD<Integer, WeightShard> next, long t, boolean forceCheckpoint,
                                     boolean mayCheckpoint, int[] k, int[] m) {
      next.setName(options.base().runName() + " weight shards after step " + t + " (mask version " + structure.version() + ")")
          .persist(StorageLevel.MEMORY_AND_DISK());
      boolean cp = forceCheckpoint || (mayCheckpoint && options.checkpointEvery() > 0 && t % options.checkpointEvery() == 0);
      if (cp) {
        if (reliable) {
          next.checkpoint();
        } else {
          next.rdd().localCheckpoint();
        }
      }
      List<ShardMessages.ShardSummary> sums;
      try {
        sums = next.values().map(new Summary(k, m)).collect();
      } catch (Exception e) { // SparkException is checked but thrown undeclared
        next.unpersist(false);
        throw e;
      }
      if (cp) {
        inLineage.forEach(Broadcast::destroy);
        inLineage.clear();
        checkpointedSteps = t;
        scala.Option<String> f = next.rdd().getCheckpointFile();
        if (f.isDefined()) {
          checkpointFiles.add(f.get());
        }
      }
      if (current != null) {
        current.unpersist(false);
      }
      current = next;
      return new Materialised(next, sums);
    }

    @Override public long step() { return step; }
    @Override public long totalSteps() { return totalSteps; }
    @Override public long stepsPerEpoch() { return sampler.stepsPerEpoch(); }
    @Override public SparsityMethod method() { return method; }
    @Override public CompletedStep completed(BatchStats epochStats) { return new Completed(step, epochStats); }
    @Override public Network model() { return options.collectModel() ? collectModel() : null; }

    @Override
    public List<StepOutcome> next() {
      running = step + 1;
      return List.of(syncStep(running));
    }

    /** Step t, complete: what a checkpoint of it needs, valid while the listener is called. */
    private final class Completed implements ShardedStep {
      private final long t;
      /** The epoch's training statistics up to t, restored with the shards after a lost executor. */
      private final BatchStats epochStats;

      Completed(long t, BatchStats epochStats) {
        this.t = t;
        this.epochStats = epochStats;
      }

      @Override public long step() { return t; }
      @Override public long totalSteps() { return totalSteps; }

      @Override
      public CheckpointStore.CommitResult commit(CheckpointStore store, CheckpointMeta meta) throws IOException {
        if (t != step) {
          throw new IllegalStateException("step " + t + " is over (the run is at step " + step + "): checkpoint it"
              + " while the listener is called");
        }
        HadoopConf conf = new HadoopConf(store.fileSystem().getConf());
        describe(String.format(Locale.ROOT, "checkpoint step %d: the owners write %d shard files", t,
            structure.layers() * shards));
        CheckpointStore.CommitResult r =
            store.commitSharded(driverState(), meta, folder -> ShardCheckpoints.write(current, folder, conf, shards));
        restorePoint = new RestorePoint(store, r.committed().step(), epochStats);
        return r;
      }
    }

    /**
     * Executors were lost with shards Spark cannot recompute: restores every shard from the last
     * checkpoint this run committed (or from where the run started) onto the live executors.
     */
    @Override
    public boolean recoverable(Exception e) {
      if (!LostShards.in(e)) {
        return false;
      }
      if (recoveries >= options.maxRecoveries()) {
        throw new IllegalStateException(options.base().runName() + ": executor lost at step " + running + " after "
            + recoveries + " recoveries (distribution.max_recoveries=" + options.maxRecoveries() + "): giving up: "
            + firstLine(e), e);
      }
      return true;
    }

    @Override
    public Restored restore(Exception e) {
      String name = options.base().runName();
      recoveries++;
      ShardedStart from = initial;
      BatchStats stats = BatchStats.ZERO;
      if (restorePoint != null) {
        CheckpointStore.Restored<ShardedStart> r;
        try {
          r = ShardedSparkTrainer.this.restore(restorePoint.store, totalSteps);
        } catch (IOException io) {
          throw new java.io.UncheckedIOException(name + ": executor lost at step " + running + " and the checkpoints in "
              + restorePoint.store.dir() + " cannot be read: " + io.getMessage(), io);
        }
        for (String p : r.problems()) {
          LOG.warn("{}: checkpoint skipped: {}", name, p);
        }
        if (r.found()) {
          from = r.value();
          stats = from.step == restorePoint.step ? restorePoint.epochStats : BatchStats.ZERO;
        }
      }
      long lostAt = running;
      restart(from);
      String source = from == initial && initial.dir == null ? "the run's start (no checkpoint yet) at" : "checkpoint";
      LOG.warn("{}: executor lost at step {}; restored shards from {} step {}, continuing (recovery {} of at most {}; {})",
          name, lostAt, source, step, recoveries, options.maxRecoveries(), firstLine(e));
      return new Restored(lostAt, step, stats);
    }

    /** Replaces the shards (and the driver's structure) by those of {@code s}: the run continues from its step. */
    private void restart(ShardedStart s) {
      step = s.step;
      optimizerStep = s.optimizerStep;
      if (s.fresh) {
        structure = null; // the driver never holds two structures of this size at once
        structure = freshStructure();
        if (!Arrays.deepEquals(cut(structure, shards), bounds)) {
          throw new IllegalStateException("the run's initial masks are cut unlike its shards: cannot restart them");
        }
        structureBc.destroy();
        structureBc = sc.broadcast(structure);
        current = initialise();
        pendingSent = structureBytes(structure);
        return;
      }
      if (s.state != null) {
        Network net = s.state.network();
        structure = ModelStructure.of(net, s.state.maskVersion());
        current = distribute(net, s.state.optimizer());
      } else {
        if (!Arrays.deepEquals(s.table.bounds(), bounds)) {
          throw new IllegalStateException("the shards of " + s.dir + " are cut unlike this run's: cannot restore them");
        }
        structure = s.structure;
        describe("restore the shards of " + s.dir);
        current = materialise(ShardCheckpoints.load(sc, s.table, s.conf), step, true).rdd;
      }
      structureBc.destroy();
      structureBc = sc.broadcast(structure);
      pendingSent = structureBytes(structure);
    }

    /** What the manifest of a sharded checkpoint records about the driver's side of the run. */
    private DriverState driverState() {
      List<Manifest.LayerInfo> layers = new ArrayList<>();
      for (int l = 0; l < structure.layers(); l++) {
        layers.add(new Manifest.LayerInfo(l, structure.in(l), structure.out(l), structure.sparse(l),
            Math.toIntExact(structure.nnz(l))));
      }
      return new DriverState(step, totalSteps, structure.version(), seed, method.name(), spec.sizes(), spec.activation(),
          spec.loss(), layers, optimizer, optimizerStep, "");
    }

    @Override
    public double[] densities() {
      double[] d = new double[structure.layers()];
      for (int l = 0; l < d.length; l++) {
        d[l] = structure.nnz(l) / ((double) structure.in(l) * structure.out(l));
      }
      return d;
    }

    private int[] guesses(boolean grow) {
      int[] g = new int[structure.layers() * shards];
      for (int l = 0; l < structure.layers(); l++) {
        if (!structure.sparse(l)) {
          continue;
        }
        for (int j = 0; j < shards; j++) {
          long nnz = structure.rowStart(l, bounds[l][j + 1]) - structure.rowStart(l, bounds[l][j]);
          g[l * shards + j] = (int) Math.min(Integer.MAX_VALUE - 16, Math.ceil(nnz * options.candidateFraction()) + 1);
        }
      }
      return g;
    }

    private StepOutcome syncStep(long t) {
      long t0 = System.nanoTime();
      int epoch = sampler.epochOf(t);
      StepRule rule = new StepRule(method);
      boolean update = rule.updatesMask(t);
      GrowthInput input = rule.growthInput(t);
      if (input == GrowthInput.MOMENTUM) {
        throw new UnsupportedOperationException("sparsity method '" + method.name() + "' grows by optimizer momentum,"
            + " which lives on the executors in distribution.mode=sharded; use distribution.mode=driver");
      }
      boolean dense = input == GrowthInput.DENSE_GRADIENT;
      boolean apply = rule.appliesOptimizer(t);
      if (apply) {
        optimizerStep++;
      }
      float lr = learningRate.at(t);
      long sent = pendingSent;
      pendingSent = 0;
      describe(String.format(Locale.ROOT, "sharded step %d/%d epoch %d (last loss %s)", t, totalSteps, epoch, fmt(lastLoss)));
      JavaPairRDD<Integer, ShardMessages.ValuesPiece> gathered = allGather(partitions);
      JavaRDD<Tuple2<Integer, ShardMessages.GradSlice>> slices = data.zipPartitions(gathered.values(),
          new ShardTasks.Gradient(runId, structureBc, shards, bounds, sampler, t, dense, options.base().denseBlockFloats(),
              options.base().failOnceAtStep()));
      JavaPairRDD<Integer, ShardMessages.GradSlice> reduced = JavaPairRDD.fromJavaRDD(slices)
          .reduceByKey(partitioner, ShardMessages.GradSlice::merge);
      JavaPairRDD<Integer, WeightShard> next = current.join(reduced, partitioner)
          .mapValues(new Update(optimizer, apply, lr, optimizerStep, update, options.base().failOnceAtStep(), t));
      int[] k = update ? guesses(false) : null;
      int[] m = update && dense ? guesses(true) : null;
      Materialised mat = materialise(next, t, false, !update, k, m);
      ShardMessages.ShardSummary head = null;
      long received = 0;
      long computeNanos = 0;
      for (ShardMessages.ShardSummary s : mat.summaries) {
        received += s.bytes();
        if (s.bad) {
          throw Divergence.diverged(t);
        }
        if (s.key == 0) {
          head = s;
          computeNanos = s.computeNanos;
        }
      }
      if (mat.summaries.size() != structure.layers() * shards || head == null || head.count != plan.batchSize()) {
        throw new IllegalStateException("step " + t + " covered " + (head == null ? 0 : head.count) + " of "
            + plan.batchSize() + " rows with " + mat.summaries.size() + " of " + structure.layers() * shards + " shards");
      }
      step = t;
      BatchStats s = new BatchStats(head.lossSum, head.correct, head.count);
      lastLoss = s.meanLoss();
      double[] churn = null;
      if (update) {
        long[] bytes = maskUpdate(t, mat.summaries, k, m == null ? new int[k.length] : m, lr);
        received += bytes[0];
        sent += bytes[1];
        churn = lastChurn;
      }
      double ms = (System.nanoTime() - t0) / 1e6;
      double compute = computeNanos / 1e6 / Math.max(1, Math.min(partitions, sc.defaultParallelism()));
      StepReport report = new StepReport(t, epoch, s.meanLoss(), s.accuracy(), lr, ms, compute, 0, sent, received);
      MaskUpdateReport maskUpdate = churn == null ? null : new MaskUpdateReport(t, churn, densities(), ms);
      if (options.base().logEvery() > 0 && (t % options.base().logEvery() == 0 || t == totalSteps)) {
        long params = structure.totalNnz() + Arrays.stream(structure.sizes()).skip(1).sum();
        LOG.info("{}: step {}/{} epoch {} loss {} acc {} | {} ms/step, compute {} ms, shuffled ~{} (all-gather) + ~{}"
                + " (reduce-scatter)", options.base().runName(), t, totalSteps, epoch, fmt(s.meanLoss()), fmt(s.accuracy()),
            fmt(ms), fmt(compute), DistributionMode.human(4L * params * partitions),
            DistributionMode.human(8L * params * head.tasks));
      }
      return new StepOutcome(s, report, maskUpdate);
    }

    private double[] lastChurn;

    /** Decides and applies the mask change of step t; returns {bytes received, bytes sent}. */
    private long[] maskUpdate(long t, List<ShardMessages.ShardSummary> sums, int[] k, int[] m, float lr) {
      long received = 0;
      MaskCoordinator.Outcome o = MaskCoordinator.decide(method, t, structure, shards, bounds, sums, k, m, seed,
          totalSteps, lr);
      int rounds = 1;
      while (o.retry()) {
        k = o.moreDrops;
        m = o.moreGrows;
        describe(String.format(Locale.ROOT, "step %d mask candidates, round %d", t, ++rounds));
        sums = current.values().map(new Summary(k, m)).collect();
        for (ShardMessages.ShardSummary s : sums) {
          received += s.bytes();
        }
        o = MaskCoordinator.decide(method, t, structure, shards, bounds, sums, k, m, seed, totalSteps, lr);
      }
      if (rounds > 1) {
        LOG.info("{}: step {} mask decision needed {} candidate rounds", options.base().runName(), t, rounds);
      }
      structure = o.next;
      describe(String.format(Locale.ROOT, "step %d apply mask change (version %d, %d shards changed)", t, structure.version(),
          o.edits.size()));
      materialise(current.mapValues(new Apply(o.edits, structure.version())), t, false);
      inLineage.add(structureBc);
      structureBc = sc.broadcast(structure);
      pendingSent += structureBytes(structure);
      lastChurn = o.churn;
      return new long[] {received, o.editBytes};
    }

    private JavaPairRDD<Integer, ShardMessages.ValuesPiece> allGather(int targets) {
      PairFlatMapFunction<Tuple2<Integer, WeightShard>, Integer, ShardMessages.ValuesPiece> f = kv -> {
        List<Tuple2<Integer, ShardMessages.ValuesPiece>> out = new ArrayList<>(targets);
        ShardMessages.ValuesPiece p = kv._2().piece();
        for (int i = 0; i < targets; i++) {
          out.add(new Tuple2<>(i, p));
        }
        return out.iterator();
      };
      return current.flatMapToPair(f).partitionBy(new HashPartitioner(targets));
    }

    @Override
    public BatchStats evaluate() {
      long at = step;
      describe(String.format(Locale.ROOT, "sharded evaluation after step %d", at));
      double[] e = test.zipPartitions(allGather(test.getNumPartitions()).values(),
              new ShardTasks.Eval(runId, structureBc, shards))
          .reduce((a, b) -> new double[] {a[0] + b[0], a[1] + b[1], a[2] + b[2]});
      return new BatchStats(e[0], (long) e[1], (long) e[2]);
    }

    /**
     * The final model on the driver: the driver's structure with the shards' values and biases
     * (4 bytes per parameter), fetched one shard partition at a time; the optimizer state stays on
     * the executors.
     */
    private Network collectModel() {
      describe("collect the final model (values and biases)");
      Network net = structure.build(0f);
      java.util.Iterator<ShardMessages.ValuesPiece> it = current.values().map(WeightShard::piece).toLocalIterator();
      int seen = 0;
      while (it.hasNext()) {
        ShardMessages.ValuesPiece w = it.next();
        Layer layer = net.layer(w.layer);
        System.arraycopy(w.values, 0, layer.values(), (int) structure.rowStart(w.layer, w.r0), w.values.length);
        System.arraycopy(w.bias, 0, layer.bias(), w.r0, w.bias.length);
        seen++;
      }
      if (seen != structure.layers() * shards) {
        throw new IllegalStateException("collected " + seen + " of " + structure.layers() * shards + " shards");
      }
      return net;
    }

    @Override
    public void close() {
      inLineage.forEach(Broadcast::destroy);
      if (structureBc != null) {
        structureBc.destroy();
      }
      if (current != null) {
        current.unpersist(false);
      }
      data.unpersist(false);
      ExecutorCache.forget(runId);
      sc.setLocalProperty("spark.jobGroup.id", previousGroup);
      sc.setLocalProperty("spark.job.description", previousDescription);
      sc.setLocalProperty("spark.job.interruptOnCancel", previousInterrupt);
    }
  }

  /** A fresh run's shard, made on its owner from its descriptor {key, layer, r0, r1} and the structure broadcast. */
  static final class InitShard implements Function<int[], WeightShard> {
    private static final long serialVersionUID = 1L;
    private final Broadcast<ModelStructure> structure;
    private final long seed;
    private final int slots;

    InitShard(Broadcast<ModelStructure> structure, long seed, int slots) {
      this.structure = structure;
      this.seed = seed;
      this.slots = slots;
    }

    @Override
    public WeightShard call(int[] d) {
      return initialShard(structure.value(), d[0], d[1], d[2], d[3], seed, slots);
    }
  }

  /**
   * Shard {@code key}, rows [r0, r1) of layer l, of a fresh run as {@link TrainingState#fresh} makes them: the
   * structure's slice, He values from the layer's seeded stream (bit for bit the whole layer's
   * slice), zero biases and {@code slots} zero optimizer slots.
   */
  static WeightShard initialShard(ModelStructure structure, int key, int l, int r0, int r1, long seed, int slots) {
    WeightShard w = new WeightShard();
    w.key = key;
    w.layer = l;
    w.r0 = r0;
    w.r1 = r1;
    w.in = structure.in(l);
    w.version = structure.version();
    int k0 = (int) structure.rowStart(l, r0);
    int k1 = (int) structure.rowStart(l, r1);
    if (structure.sparse(l)) {
      w.rowPtr = new int[r1 - r0 + 1];
      for (int r = r0; r <= r1; r++) {
        w.rowPtr[r - r0] = structure.rowPtr(l)[r] - k0;
      }
      w.colIdx = Arrays.copyOfRange(structure.colIdx(l), k0, k1);
    }
    w.values = org.sparsetrain.training.nn.Init.heValues(structure.rowPtr(l), structure.in(l), r0, r1, seed, l);
    w.bias = new float[r1 - r0];
    w.slots = new float[slots][k1 - k0];
    w.biasSlots = new float[slots][r1 - r0];
    return w;
  }

  /** The shard owner's half of a step. */
  private static final class Update implements Function<Tuple2<WeightShard, ShardMessages.GradSlice>, WeightShard> {
    private static final long serialVersionUID = 1L;
    private final Optimizer optimizer;
    private final boolean apply;
    private final float lr;
    private final long optimizerStep;
    private final boolean keep;
    private final long failOnceAtStep;
    private final long step;

    Update(Optimizer optimizer, boolean apply, float lr, long optimizerStep, boolean keep, long failOnceAtStep, long step) {
      this.optimizer = optimizer;
      this.apply = apply;
      this.lr = lr;
      this.optimizerStep = optimizerStep;
      this.keep = keep;
      this.failOnceAtStep = failOnceAtStep;
      this.step = step;
    }

    @Override
    public WeightShard call(Tuple2<WeightShard, ShardMessages.GradSlice> in) {
      ShardTasks.maybeFail(failOnceAtStep, step);
      return in._1().update(in._2(), optimizer, apply, lr, optimizerStep, keep);
    }
  }

  /** Per-shard summary with k drop and m growth candidates (null = none). */
  private static final class Summary implements Function<WeightShard, ShardMessages.ShardSummary> {
    private static final long serialVersionUID = 1L;
    private final int[] k;
    private final int[] m;

    Summary(int[] k, int[] m) {
      this.k = k;
      this.m = m;
    }

    @Override
    public ShardMessages.ShardSummary call(WeightShard w) {
      return w.summary(k == null ? 0 : k[w.key], m == null ? 0 : m[w.key]);
    }
  }

  /** The owner's half of a mask update. */
  private static final class Apply implements Function<WeightShard, WeightShard> {
    private static final long serialVersionUID = 1L;
    private final Map<Integer, ShardMessages.ShardEdit> edits;
    private final long version;

    Apply(Map<Integer, ShardMessages.ShardEdit> edits, long version) {
      this.edits = edits;
      this.version = version;
    }

    @Override
    public WeightShard call(WeightShard w) {
      return w.apply(edits.get(w.key), version);
    }
  }

  private static String firstLine(Throwable e) {
    String m = String.valueOf(e.getMessage()).strip();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.4f", v);
  }
}
