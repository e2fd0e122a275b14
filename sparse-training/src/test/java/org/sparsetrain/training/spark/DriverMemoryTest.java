package org.sparsetrain.training.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sparsetrain.training.StepReport;
import org.sparsetrain.training.TrainingListener;
import org.sparsetrain.training.TrainingPlan;
import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.optim.Adam;

/** The driver mode's memory estimate, and its refusal before the first step when the heap is too small. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DriverMemoryTest {
  static final long MIB = 1L << 20;
  static SparkSession spark;
  static JavaSparkContext sc;
  static final List<String> jobs = new ArrayList<>();

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().config(SparkTestSupport.conf("local[2]", "DriverMemoryTest")).getOrCreate();
    sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    sc.sc().addSparkListener(new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart e) {
        synchronized (jobs) {
          jobs.add(String.valueOf(e.properties().getProperty("spark.job.description")));
        }
      }
    });
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  @Test
  void countsValuesOptimizerStateBroadcastsGradientSumsAndLocalExecutors() {
    // layer 0 sparse, 1000 non-zeros + 100 biases; layer 1 dense, 100·10 + 10; Adam: 2 slots
    int[] sizes = {50, 100, 10};
    long p = 1000 + 100 + 1000 + 10;
    long s = 1000 + 100 + 1;
    DriverMemory m = DriverMemory.of(sizes, new long[] {1000, 1000}, new boolean[] {true, false}, 2, 1, 2, false);
    assertEquals(4 * p * 3 + 4 * s, m.model());
    assertEquals(2 * 4 * p + 2 * 4 * s, m.broadcasts());
    assertEquals(12 * p + 2 * DriverMemory.RESULT_BYTES * p, m.gradients(), "two task results in flight");
    assertEquals(0, m.executors());
    assertEquals(m.model() + m.broadcasts() + m.gradients() + DriverMemory.SPARK_BASE, m.total());
    DriverMemory local = DriverMemory.of(sizes, new long[] {1000, 1000}, new boolean[] {true, false}, 2, 1, 2, true);
    assertEquals(4 * p + 8 * s + 2 * 16 * p, local.executors());
    DriverMemory rounds = DriverMemory.of(sizes, new long[] {1000, 1000}, new boolean[] {true, false}, 2, 4, 2, false);
    assertEquals(2 * 2 * 4 * p * 3 + 8 * p * 3, rounds.gradients(), "local SGD collects every partition's values and slots");
  }

  @Test
  void estimatesTheSpecLikeTheBuiltNetwork() {
    TrainingPlan plan = plan(new DropGrowMethod(false, 4, 20, 0.5), new Adam(0.9, 0.999, 1e-8, 0, false));
    TrainingState state = TrainingState.fresh(SPEC, plan, 200);
    assertEquals(DriverMemory.of(state.network(), 2, 1, 2, false),
        DriverMemory.of(SPEC, plan.method(), plan.optimizer(), 1, 2, false));
  }

  @Test
  void aDriverHeapTooSmallIsRefusedBeforeTheFirstStepWithTheNeedTheHeapAndTheFix() {
    TrainingPlan plan = plan(new DropGrowMethod(false, 4, 20, 0.5), new Adam(0.9, 0.999, 1e-8, 0, false)).withEpochs(1);
    DataBlock train = data(1, 0, 200);
    long need = DriverMemory.of(SPEC, plan.method(), plan.optimizer(), 1, 2, true).total();
    List<StepReport> steps = new ArrayList<>();
    TrainingListener l = new TrainingListener() {
      @Override public void onStep(StepReport r) { steps.add(r); }
    };
    synchronized (jobs) {
      jobs.clear();
    }
    SparkTrainer small = new SparkTrainer(sc, SPEC, plan, options(4).withDriverHeapBytes(need - 1));
    DriverMemoryException e = assertThrows(DriverMemoryException.class,
        () -> small.train(rdd(sc, split(train, 100, 100)), rdd(sc, List.of(data(2, 0, 40))), l));
    assertTrue(steps.isEmpty(), "no step ran");
    synchronized (jobs) {
      assertTrue(jobs.stream().noneMatch(d -> d.contains("step")), "no step job started: " + jobs);
    }
    String m = e.getMessage();
    assertTrue(m.contains("needs about " + DriverMemory.human(need)), m);
    assertTrue(m.contains("max heap is " + DriverMemory.human(need - 1)), m);
    assertTrue(m.contains("distribution.mode: sharded") && m.contains("spark.driver.memory"), m);
    assertTrue(m.contains("executors in the driver JVM"), "a local master counts the executors: " + m);

    SparkTrainer enough = new SparkTrainer(sc, SPEC, plan, options(4).withDriverHeapBytes(need));
    assertEquals(10, enough.train(rdd(sc, split(train, 100, 100)), rdd(sc, List.of(data(2, 0, 40))), l).steps());
  }

  @Test
  void anOutOfMemoryErrorIsExplainedInOneLineWithTheHeapAndTheFix() {
    String m = DriverMemory.outOfMemory(512 * MIB);
    assertTrue(m.contains("max heap 512.0 MiB") && m.contains("spark.driver.memory") && m.contains("sharded"), m);
    assertFalse(m.contains("\n"), m);
  }

  @Test
  void theHeapLimitIsTheJvmsUnlessSet() {
    assertEquals(Runtime.getRuntime().maxMemory(), SparkTrainerOptions.DEFAULTS.driverHeap());
    assertEquals(512 * MIB, SparkTrainerOptions.DEFAULTS.withDriverHeapBytes(512 * MIB).driverHeap());
    assertThrows(IllegalArgumentException.class, () -> SparkTrainerOptions.DEFAULTS.withDriverHeapBytes(-1));
  }
}
