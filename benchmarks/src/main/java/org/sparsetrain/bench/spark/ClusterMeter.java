package org.sparsetrain.bench.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.executor.ExecutorMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import scala.jdk.javaapi.CollectionConverters;

/**
 * A Spark listener (public API only) that sums the shuffle bytes written by the tasks of the
 * training-step jobs (those whose description names a step after the first: step 1's job also
 * materialises the data's virtual shards, a one-time shuffle of the training set) and keeps every
 * executor's peak JVM heap and process RSS as reported by task ends and heartbeats.
 */
public final class ClusterMeter extends SparkListener {
  private static final Pattern STEP = Pattern.compile("\\bstep (\\d+)");
  private final Map<Integer, Boolean> stepStages = new ConcurrentHashMap<>();
  private final Map<String, Long> heapPeaks = new ConcurrentHashMap<>();
  private final Map<String, Long> rssPeaks = new ConcurrentHashMap<>();
  private long stepShuffleBytes;
  private long stepJobs;

  @Override
  public synchronized void onJobStart(SparkListenerJobStart job) {
    String d = job.properties() == null ? null : job.properties().getProperty("spark.job.description");
    Matcher m = d == null || d.contains("evaluation") ? null : STEP.matcher(d);
    boolean step = m != null && m.find() && Long.parseLong(m.group(1)) > 1;
    if (step) {
      stepJobs++;
    }
    for (Object stage : CollectionConverters.asJava(job.stageIds())) {
      stepStages.put((Integer) stage, step);
    }
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd end) {
    if (end.taskMetrics() != null && stepStages.getOrDefault(end.stageId(), false)) {
      synchronized (this) {
        stepShuffleBytes += end.taskMetrics().shuffleWriteMetrics().bytesWritten();
      }
    }
    record(end.taskInfo().executorId(), end.taskExecutorMetrics());
  }

  @Override
  public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
    for (ExecutorMetrics m : CollectionConverters.asJava(update.executorUpdates()).values()) {
      record(update.execId(), m);
    }
  }

  private void record(String executor, ExecutorMetrics m) {
    if (m == null || "driver".equals(executor)) {
      return;
    }
    heapPeaks.merge(executor, m.getMetricValue("JVMHeapMemory"), Math::max);
    rssPeaks.merge(executor, m.getMetricValue("ProcessTreeJVMRSSMemory"), Math::max);
  }

  /** Shuffle bytes written by the tasks of the jobs of steps 2, 3, …. */
  public synchronized long stepShuffleBytes() {
    return stepShuffleBytes;
  }

  /** Jobs of steps 2, 3, … (one per step, more at mask updates). */
  public synchronized long stepJobs() {
    return stepJobs;
  }

  /** Peak JVM heap used per executor id (executors in the driver JVM, as in local mode, are not listed). */
  public Map<String, Long> heapPeaks() {
    return Map.copyOf(heapPeaks);
  }

  /** Peak resident set of each executor's process tree (0 unless spark.executor.processTreeMetrics.enabled). */
  public Map<String, Long> rssPeaks() {
    return Map.copyOf(rssPeaks);
  }
}
