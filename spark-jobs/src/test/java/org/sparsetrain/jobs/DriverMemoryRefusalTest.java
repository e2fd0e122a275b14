package org.sparsetrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo config ({@code conf/synthetic-large-sharded.yaml}) in {@code distribution.mode=driver}
 * with a model far beyond this JVM's heap: {@code train} refuses before loading data or building
 * the model, with one line naming the need, the heap and the fix, exit code 2, and no summary.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DriverMemoryRefusalTest {
  @TempDir Path dir;

  @Test
  void trainInDriverModeRefusesAModelTheDriverHeapCannotHold() {
    Path out = dir.resolve("driver");
    long start = System.nanoTime();
    TrainJobTest.Result r = TrainJobTest.run("train", "--config", "../conf/synthetic-large-sharded.yaml", "--out",
        out.toString(), "--master", "local[2]", "--set", "distribution.mode=driver",
        "--set", "model.layers=[1000, 40000, 40000, 10]");
    assertEquals(Main.USAGE, r.code(), r.err());
    String line = r.err().lines().filter(l -> l.startsWith("error: ")).findFirst().orElse("");
    assertTrue(line.contains("distribution.mode=driver needs about") && line.contains("GiB of driver heap"), r.err());
    assertTrue(line.contains("but the driver's max heap is"), line);
    assertTrue(line.contains("distribution.mode: sharded (or auto)") && line.contains("spark.driver.memory"), line);
    assertFalse(Files.exists(out.resolve("summary.json")), "no finished-looking output");
    assertFalse(Files.exists(out.resolve("metrics.jsonl")), "no step ran");
    System.out.printf("refused in %.1f s: %s%n", (System.nanoTime() - start) / 1e9, line);
  }
}
