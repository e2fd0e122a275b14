package org.sparsetrain.training.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparsetrain.training.spark.SparkTestSupport.SPEC;
import static org.sparsetrain.training.spark.SparkTestSupport.data;
import static org.sparsetrain.training.spark.SparkTestSupport.options;
import static org.sparsetrain.training.spark.SparkTestSupport.plan;
import static org.sparsetrain.training.spark.SparkTestSupport.rdd;
import static org.sparsetrain.training.spark.SparkTestSupport.split;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sparsetrain.training.EpochReport;
import org.sparsetrain.training.StepReport;
import org.sparsetrain.training.TrainResult;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.optim.Adam;

/**
 * {@code distribution.mode: barrier} on {@code local[3]} with Kryo registration required: the
 * stretches between mask updates run as barrier stages whose tasks allreduce over authenticated
 * sockets, and the model is bit-identical to a Spark job per step, for SET-like and RigL-like
 * (dense-gradient) growth, SGD and Adam, one, two or three partitions, and after a failed task.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class BarrierModeTest {
  static SparkSession spark;
  static JavaSparkContext sc;
  static final List<String> descriptions = new ArrayList<>();
  static final DataBlock TRAIN = data(1, 0, 200);
  static final DataBlock TEST = data(2, 0, 60);

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().config(SparkTestSupport.conf("local[3,2]", "BarrierModeTest")).getOrCreate();
    sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    SparkTestSupport.recordJobDescriptions(sc.sc(), descriptions);
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  static TrainResult run(TrainingPlan plan, SparkTrainerOptions o, TrainingListener l, int... sizes) {
    JavaRDD<DataBlock> test = rdd(sc, split(TEST, 25, 35));
    return new SparkTrainer(spark, SPEC, plan, o).train(rdd(sc, split(TRAIN, sizes)), test, l);
  }

  @Test
  void setLikeGrowthIsBitIdenticalToAJobPerStep() {
    TrainingPlan plan = plan(new DropGrowMethod(false, 4, 20, 0.5));
    String jobs = run(plan, options(6), null, 120, 80).fingerprint();
    int before = descriptions.size();
    List<StepReport> steps = new ArrayList<>();
    List<EpochReport> epochs = new ArrayList<>();
    TrainingListener l = new TrainingListener() {
      @Override public void onStep(StepReport r) { steps.add(r); }
      @Override public void onEpoch(EpochReport r) { epochs.add(r); }
    };
    TrainResult barrier = run(plan, options(6).withBarrier(true), l, 120, 80);
    assertEquals(jobs, barrier.fingerprint(), "barrier stretches vs a Spark job per step");
    assertEquals(30, steps.size());
    for (int i = 0; i < steps.size(); i++) {
      assertEquals(i + 1, steps.get(i).step(), "every step reported once, in order");
    }
    assertEquals(List.of(10L, 20L, 30L), epochs.stream().map(EpochReport::step).toList(), "epochs evaluated at their ends");
    // steps of a stretch report the ring's traffic and time apart from compute; a mask-update step is a job
    assertTrue(steps.get(0).collectiveBytes() > 0 && steps.get(0).collectiveMillis() >= 0, "step 1: " + steps.get(0));
    assertEquals(0, steps.get(3).collectiveBytes(), "step 4 updates the mask in a Spark job");
    List<String> ran = descriptions.subList(before, descriptions.size());
    assertTrue(ran.stream().anyMatch(d -> d.contains("barrier steps 1..3/30")), "a stretch runs as one stage: " + ran);
    assertEquals(run(plan, options(6).withBarrier(true), null, 200).fingerprint(), jobs, "one partition: a ring of one");
    assertEquals(run(plan, options(6).withBarrier(true), null, 70, 60, 70).fingerprint(), jobs, "three partitions");
  }

  @Test
  void rigLikeGrowthAndAdamAreBitIdenticalToAJobPerStep() {
    TrainingPlan rigl = plan(new DropGrowMethod(true, 4, 20, 0.5));
    assertEquals(run(rigl, options(6), null, 70, 130).fingerprint(),
        run(rigl, options(6).withBarrier(true), null, 70, 130).fingerprint(), "dense-gradient growth");
    TrainingPlan adam = plan(new DropGrowMethod(false, 4, 20, 0.5), new Adam(0.9, 0.999, 1e-8, 0, false));
    assertEquals(run(adam, options(6), null, 100, 100).fingerprint(),
        run(adam, options(6).withBarrier(true), null, 100, 100).fingerprint(), "Adam");
  }

  @Test
  void aFailedTaskRestartsItsStretchAndChangesNothing() {
    TrainingPlan plan = plan(new DropGrowMethod(false, 4, 20, 0.5));
    String clean = run(plan, options(6).withBarrier(true), null, 120, 80).fingerprint();
    String failed = run(plan, options(6).withBarrier(true).withFailOnceAtStep(6), null, 120, 80).fingerprint();
    assertEquals(clean, failed, "the retried stage starts the stretch again from its broadcasts");
  }

  @Test
  void morePartitionsThanTaskSlotsAreRefusedBeforeAnyWork() {
    TrainingPlan plan = plan(new DropGrowMethod(false, 4, 20, 0.5));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> run(plan, options(8).withBarrier(true), null, 50, 50, 50, 50));
    assertTrue(e.getMessage().contains("4 data partitions") && e.getMessage().contains("3 task slots")
        && e.getMessage().contains("distribution.partitions"), e.getMessage());
  }

  @Test
  void localStepsAreNotBarrierSteps() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> options(6).withLocalSteps(4).withBarrier(true));
    assertTrue(e.getMessage().contains("distribution.local_steps must be 1"), e.getMessage());
  }
}
