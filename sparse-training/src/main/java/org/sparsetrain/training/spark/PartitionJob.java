package org.sparsetrain.training.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.BinaryOperator;
import org.apache.spark.FutureAction;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction0;
import scala.runtime.AbstractFunction1;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

/**
 * One Spark job that runs a task function on every partition of the cached shards and merges the
 * one result per partition on the driver as the tasks finish.
 *
 * <p>This is what a training step needs and no more: {@code mapPartitions(f).treeAggregate(…)}
 * makes a new RDD and hands Scala lambdas to the closure cleaner every step (it reads class files
 * with ASM each time), which cost milliseconds per step on the driver. Here the functions are
 * named classes, so Spark's public {@code SparkContext.runJob} runs them as they are. Many
 * partitions still go through {@code treeAggregate}, so the driver never merges more than
 * {@link #MAX_DRIVER_MERGES} results.
 */
final class PartitionJob {
  private PartitionJob() {}

  /** Above this many partitions the results are merged on the executors first (treeAggregate). */
  static final int MAX_DRIVER_MERGES = 8;

  /**
   * Runs {@code task} on each partition of {@code rdd} (which yields exactly one result each) and
   * returns {@code merge} of the results, starting from {@code zero}; merge must be associative and
   * commutative, as Spark delivers results in the order tasks finish.
   */
  static <T, R> R run(JavaRDD<T> rdd, FlatMapFunction<Iterator<T>, R> task, R zero, BinaryOperator<R> merge,
                      int treeDepth) {
    int partitions = rdd.getNumPartitions();
    if (partitions > MAX_DRIVER_MERGES && treeDepth > 1) {
      return rdd.mapPartitions(task).treeAggregate(zero, merge::apply, merge::apply, treeDepth);
    }
    Object[] result = {zero};
    forEach(rdd, task, (partition, r) -> {
      @SuppressWarnings("unchecked")
      R sum = (R) result[0];
      result[0] = merge.apply(sum, r);
    });
    @SuppressWarnings("unchecked")
    R sum = (R) result[0];
    return sum;
  }

  /**
   * {@link #collect} without waiting: the job is submitted now (with the calling thread's job group
   * and description) and its results, in partition order, are there on {@link Pending#get}, so
   * several jobs can be in flight and Spark's fixed cost of one overlaps the tasks of another.
   */
  static <T, R> Pending<List<R>> submitCollect(JavaRDD<T> rdd, FlatMapFunction<Iterator<T>, R> task) {
    Object[] out = new Object[rdd.getNumPartitions()];
    FutureAction<BoxedUnit> job = submitJob(rdd, task, (partition, r) -> out[partition] = r);
    return new Pending<>(job, () -> inOrder(out));
  }

  private static <T, R> FutureAction<BoxedUnit> submitJob(JavaRDD<T> rdd, FlatMapFunction<Iterator<T>, R> task,
                                                           BiConsumer<Integer, R> handler) {
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < rdd.getNumPartitions(); i++) {
      ids.add(i);
    }
    @SuppressWarnings("unchecked")
    scala.collection.immutable.Seq<Object> seq = (scala.collection.immutable.Seq<Object>) (Object)
        scala.jdk.javaapi.CollectionConverters.asScala(ids).toList();
    return rdd.context().submitJob(rdd.rdd(), new OnePartitionOfTask<>(new OnePartition<>(task)), seq,
        new Handler<R>(handler), new Unit());
  }

  /** A submitted job's result. */
  static final class Pending<R> {
    private final FutureAction<BoxedUnit> job;
    private final java.util.function.Supplier<R> result;

    private Pending(FutureAction<BoxedUnit> job, java.util.function.Supplier<R> result) {
      this.job = job;
      this.result = result;
    }

    /** Waits for the job; its failure is thrown as Spark throws it from {@code runJob}. */
    R get() {
      try {
        job.get();
      } catch (org.apache.spark.SparkException e) {
        throw PartitionJob.<RuntimeException>rethrow(e);
      }
      return result.get();
    }

    /** Cancels the job if it is still running. */
    void cancel() {
      if (!job.isCompleted()) {
        job.cancel();
      }
    }
  }

  /** Throws {@code e} unchanged, as {@code runJob} does from Scala (Java would make SparkException checked). */
  @SuppressWarnings("unchecked")
  private static <E extends Throwable> E rethrow(Throwable e) throws E {
    throw (E) e;
  }

  /** Runs {@code task} on each partition of {@code rdd} and returns the results in partition order. */
  static <T, R> List<R> collect(JavaRDD<T> rdd, FlatMapFunction<Iterator<T>, R> task) {
    Object[] out = new Object[rdd.getNumPartitions()];
    forEach(rdd, task, (partition, r) -> out[partition] = r);
    return inOrder(out);
  }

  private static <R> List<R> inOrder(Object[] out) {
    List<R> list = new ArrayList<>(out.length);
    for (Object o : out) {
      @SuppressWarnings("unchecked")
      R r = (R) o;
      list.add(r);
    }
    return list;
  }

  private static <T, R> void forEach(JavaRDD<T> rdd, FlatMapFunction<Iterator<T>, R> task,
                                     BiConsumer<Integer, R> handler) {
    @SuppressWarnings("unchecked")
    scala.reflect.ClassTag<R> tag = (scala.reflect.ClassTag<R>) ClassTag$.MODULE$.AnyRef();
    rdd.context().runJob(rdd.rdd(), new OnePartition<>(task), new Handler<>(handler), tag);
  }

  /** The task: the function's single result for the partition. */
  private static final class OnePartition<T, R> extends AbstractFunction2<TaskContext, scala.collection.Iterator<T>, R>
      implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final FlatMapFunction<Iterator<T>, R> task;

    OnePartition(FlatMapFunction<Iterator<T>, R> task) {
      this.task = task;
    }

    @Override
    public R apply(TaskContext context, scala.collection.Iterator<T> rows) {
      try {
        Iterator<R> out = task.call(scala.jdk.javaapi.CollectionConverters.asJava(rows));
        R r = out.next();
        if (out.hasNext()) {
          throw new IllegalStateException("a training task returned more than one result for partition "
              + context.partitionId());
        }
        return r;
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** {@link OnePartition} for {@code submitJob}, which passes no task context. */
  private static final class OnePartitionOfTask<T, R> extends AbstractFunction1<scala.collection.Iterator<T>, R>
      implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final OnePartition<T, R> f;

    OnePartitionOfTask(OnePartition<T, R> f) {
      this.f = f;
    }

    @Override
    public R apply(scala.collection.Iterator<T> rows) {
      return f.apply(TaskContext.get(), rows);
    }
  }

  /** The by-name result of {@code submitJob}: nothing, the handler keeps the result. */
  private static final class Unit extends AbstractFunction0<BoxedUnit> {
    @Override
    public BoxedUnit apply() {
      return BoxedUnit.UNIT;
    }
  }

  /** Takes each result on the driver (Spark calls it from one thread; runJob returns after the last call). */
  private static final class Handler<R> extends AbstractFunction2<Object, R, BoxedUnit> {
    private final BiConsumer<Integer, R> handler;

    Handler(BiConsumer<Integer, R> handler) {
      this.handler = handler;
    }

    @Override
    public BoxedUnit apply(Object partition, R value) {
      handler.accept((Integer) partition, value);
      return BoxedUnit.UNIT;
    }
  }
}
