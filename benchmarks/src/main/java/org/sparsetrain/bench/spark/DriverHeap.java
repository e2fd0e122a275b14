package org.sparsetrain.bench.spark;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * This JVM's heap peaks, measured two ways: the sum of every heap pool's peak usage since
 * {@link #start} (an upper bound: garbage included, pools peak at different times), and the largest
 * heap occupancy left after a garbage collection (what was really live, at GC resolution).
 */
public final class DriverHeap implements AutoCloseable {
  private final AtomicLong maxAfterGc = new AtomicLong();
  private final NotificationListener listener = (n, handback) -> {
    if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
      var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
      long used = info.getGcInfo().getMemoryUsageAfterGc().entrySet().stream()
          .filter(e -> isHeap(e.getKey())).mapToLong(e -> e.getValue().getUsed()).sum();
      maxAfterGc.accumulateAndGet(used, Math::max);
    }
  };

  private DriverHeap() {}

  /** Resets the pool peaks and starts listening to collections. */
  public static DriverHeap start() {
    DriverHeap h = new DriverHeap();
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        p.resetPeakUsage();
      }
    }
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      ((NotificationEmitter) gc).addNotificationListener(h.listener, null, null);
    }
    return h;
  }

  /** Sum over heap pools of their peak used bytes since {@link #start}. */
  public long poolPeaks() {
    return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
        .map(MemoryPoolMXBean::getPeakUsage).mapToLong(MemoryUsage::getUsed).sum();
  }

  /** The largest heap occupancy after any collection since {@link #start} (0 if none ran). */
  public long maxAfterGc() {
    return maxAfterGc.get();
  }

  private static boolean isHeap(String pool) {
    return ManagementFactory.getMemoryPoolMXBeans().stream()
        .anyMatch(p -> p.getName().equals(pool) && p.getType() == MemoryType.HEAP);
  }

  @Override
  public void close() {
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      try {
        ((NotificationEmitter) gc).removeNotificationListener(listener);
      } catch (javax.management.ListenerNotFoundException e) {
        // never added to this collector
      }
    }
  }
}
