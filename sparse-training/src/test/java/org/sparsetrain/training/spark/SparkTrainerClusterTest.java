package org.sparsetrain.training.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparsetrain.training.spark.SparkTestSupport.SPEC;
import static org.sparsetrain.training.spark.SparkTestSupport.assertSameModel;
import static org.sparsetrain.training.spark.SparkTestSupport.data;
import static org.sparsetrain.training.spark.SparkTestSupport.options;
import static org.sparsetrain.training.spark.SparkTestSupport.plan;
import static org.sparsetrain.training.spark.SparkTestSupport.rdd;
import static org.sparsetrain.training.spark.SparkTestSupport.split;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sparsetrain.training.LocalTrainer;
import org.sparsetrain.training.StepReport;
import org.sparsetrain.training.TrainResult;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.spark.sharded.ShardedRecoveryClusterTest;

/**
 * The SparkTrainer with executors in two separate JVMs ({@code local-cluster[2,1,1024]}), Kryo
 * registration required, a task that fails once: same weights bit for bit as one partition, and
 * the LocalTrainer's within {@link SparkTrainerTest#TOL} (see there for why); barrier stretches
 * whose tasks talk across the two JVMs give the same model as a job per step.
 */
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class SparkTrainerClusterTest {
  static JavaSparkContext sc;
  static final DataBlock TRAIN = data(1, 0, 200);
  static final DataBlock TEST = data(2, 0, 60);

  @BeforeAll
  static void start() {
    sc = new JavaSparkContext(SparkTestSupport.clusterConf("SparkTrainerClusterTest"));
  }

  @AfterAll
  static void stop() {
    if (sc != null) {
      sc.stop();
    }
  }

  @Test
  void separateExecutorJvmsGiveTheSameModel() {
    TrainingPlan plan = plan(new DropGrowMethod(true, 4, 12, 0.5)).withEpochs(2);
    TrainResult local = new LocalTrainer(SPEC, plan).train(TRAIN, TEST, TrainingListener.NONE);
    TrainResult one = new SparkTrainer(sc, SPEC, plan, options(6))
        .train(rdd(sc, split(TRAIN, 200)), rdd(sc, split(TEST, 60)), null);
    TrainResult three = new SparkTrainer(sc, SPEC, plan, options(6).withFailOnceAtStep(6))
        .train(rdd(sc, split(TRAIN, 60, 80, 60)), rdd(sc, split(TEST, 30, 30)), null);
    assertEquals(one.fingerprint(), three.fingerprint(), "1 partition vs 3 partitions on two executor JVMs with a retried task");
    double d = assertSameModel(local.network(), three.network(), SparkTrainerTest.TOL, "LocalTrainer vs local-cluster");
    System.out.println("local-cluster: largest difference to LocalTrainer = " + d);
    assertTrue(three.test().accuracy() > 0.5, "accuracy " + three.test().accuracy());
    // local SGD: the rounds bring the mask-update steps' rows to the driver, the growth tasks send only
    // the largest gradients with their positions (both through Kryo from the executor JVMs); the same
    // model as mask-update steps run as jobs and growth tasks that send every gradient
    TrainingPlan largestOnly = plan(new DropGrowMethod(true, 4, 12, 0.5, true)).withEpochs(2);
    TrainResult localSgd = new SparkTrainer(sc, SPEC, largestOnly, options(6).withLocalSteps(3))
        .train(rdd(sc, split(TRAIN, 60, 80, 60)), rdd(sc, split(TEST, 60)), null);
    TrainResult localSgdJobs = new SparkTrainer(sc, SPEC, plan, options(6).withLocalSteps(3).withDriverStepMacs(0))
        .train(rdd(sc, split(TRAIN, 60, 80, 60)), rdd(sc, split(TEST, 60)), null);
    assertEquals(20, localSgd.steps());
    assertEquals(localSgdJobs.fingerprint(), localSgd.fingerprint(), "driver-side update steps and largest-only growth");
  }

  @Test
  void barrierTasksOnSeparateExecutorJvmsAllreduceToTheSameModel() {
    // two barrier tasks, one per executor JVM, connect to each other over loopback TCP; a failed task
    // makes the driver run the stretch again
    TrainingPlan plan = plan(new DropGrowMethod(true, 4, 12, 0.5)).withEpochs(2);
    TrainResult jobs = new SparkTrainer(sc, SPEC, plan, options(6))
        .train(rdd(sc, split(TRAIN, 120, 80)), rdd(sc, split(TEST, 60)), null);
    TrainResult barrier = new SparkTrainer(sc, SPEC, plan, options(6).withBarrier(true).withFailOnceAtStep(6))
        .train(rdd(sc, split(TRAIN, 120, 80)), rdd(sc, split(TEST, 60)), null);
    assertEquals(jobs.fingerprint(), barrier.fingerprint(), "barrier stretches across executor JVMs vs a job per step");
  }

  @Test
  void losingEveryExecutorBetweenStepsChangesNoBitInEitherMode() {
    // both executor JVMs are SIGKILLed after step 4 (a mask update); the worker starts new ones, the
    // cached training blocks are recomputed from their lineage, and the next job or barrier stage runs
    // once both are back: the model is the uninterrupted run's
    TrainingPlan plan = plan(new DropGrowMethod(true, 4, 12, 0.5)).withEpochs(2);
    String straight = new SparkTrainer(sc, SPEC, plan, options(6))
        .train(rdd(sc, split(TRAIN, 120, 80)), rdd(sc, split(TEST, 60)), null).fingerprint();
    for (boolean barrier : new boolean[] {false, true}) {
      List<Long> killed = new ArrayList<>();
      TrainingListener kill = new TrainingListener() {
        @Override
        public void onStep(StepReport r) {
          if (r.step() == 4 && killed.isEmpty()) {
            killed.addAll(ShardedRecoveryClusterTest.killExecutors(""));
          }
        }
      };
      String after = new SparkTrainer(sc, SPEC, plan, options(6).withBarrier(barrier))
          .train(rdd(sc, split(TRAIN, 120, 80)), rdd(sc, split(TEST, 60)), kill).fingerprint();
      assertEquals(2, killed.size(), "both executor JVMs killed");
      assertEquals(straight, after, (barrier ? "barrier" : "job per step") + " mode after losing every executor");
    }
  }
}
