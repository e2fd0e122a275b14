package org.sparsetrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code scripts/sparsetrain train} process killed with SIGKILL after it committed a checkpoint,
 * then run again with {@code --resume}, ends with the same {@code model_fingerprint} as a straight
 * run of the same config: in one JVM ({@code distribution.mode=local}) and on Spark
 * ({@code --master local[2]}, {@code distribution.mode=driver}, 2 partitions). The mode is set on the
 * command line, so the test does not depend on the config file's default.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class KillResumeIT {
  static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
  static final Pattern RESUMED = Pattern.compile("resuming from \\S+: step (\\d+) of (\\d+)");

  @TempDir Path dir;

  static List<String> command(Path out, List<String> settings, String... extra) {
    List<String> c = new ArrayList<>(List.of("bash", ROOT.resolve("scripts/sparsetrain").toString(), "train",
        "--config", ROOT.resolve("conf/fashion-mnist-set.yaml").toString(), "--out", out.toString(),
        "--set", "output.report=false", "--set", "output.progress_every_seconds=0.5"));
    c.addAll(settings);
    c.addAll(List.of(extra));
    return c;
  }

  static Process start(List<String> cmd, Path log) throws IOException {
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  static JsonNode summary(Path run) throws IOException {
    return TrainJobTest.JSON.readTree(run.resolve("summary.json").toFile());
  }

  static boolean committed(Path run) throws IOException {
    Path ck = run.resolve("checkpoints");
    if (!Files.isDirectory(ck)) {
      return false;
    }
    try (Stream<Path> s = Files.list(ck)) {
      return s.anyMatch(p -> p.getFileName().toString().startsWith("step-") && Files.exists(p.resolve("manifest.json")));
    }
  }

  @Test
  void sigkilledLocalRunResumesToTheStraightRunsModel() throws Exception {
    // the whole training set, 4 epochs of 469 steps: one JVM trains them in seconds, long enough to kill it half-way
    killResumeEqualsStraight("local", List.of("--set", "distribution.mode=local", "--set", "training.epochs=4",
        "--set", "checkpoint.every_steps=150"));
  }

  @Test
  void sigkilledSparkRunResumesToTheStraightRunsModel() throws Exception {
    // each step is a Spark job: one epoch in batches of 512 (118 steps, a mask update every 25) keeps it short
    killResumeEqualsStraight("driver", List.of("--master", "local[2]", "--set", "distribution.mode=driver",
        "--set", "distribution.partitions=2", "--set", "training.epochs=1", "--set", "training.batch_size=512",
        "--set", "sparsity.update_every=25", "--set", "checkpoint.every_steps=30"));
  }

  void killResumeEqualsStraight(String mode, List<String> settings) throws Exception {
    assertTrue(Files.exists(Path.of(System.getenv("SPARSETRAIN_TARGET"), "sparsetrain.jar")), "the jar is packaged before ITs");
    Path straight = dir.resolve("straight");
    Process s = start(command(straight, settings), dir.resolve("straight.log"));
    assertEquals(0, s.waitFor(), Files.readString(dir.resolve("straight.log")));
    JsonNode straightSummary = summary(straight);
    assertEquals(mode, straightSummary.get("distribution_mode").asText(), "the run trained where the test says");

    Path run = dir.resolve("killed");
    Process p = start(command(run, settings), dir.resolve("killed.log"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!committed(run)) {
      assertTrue(p.isAlive(), "finished before a checkpoint: " + Files.readString(dir.resolve("killed.log")));
      assertTrue(System.nanoTime() < deadline, "no checkpoint within 120 s");
      Thread.sleep(10);
    }
    p.destroyForcibly();  // SIGKILL: no shutdown hooks, no cleanup
    assertNotEquals(0, p.waitFor(), "killed before it finished: " + Files.readString(dir.resolve("killed.log")));
    assertFalse(Files.exists(run.resolve("summary.json")), "a killed run leaves no summary.json");

    Process r = start(command(run, settings, "--resume"), dir.resolve("resumed.log"));
    assertEquals(0, r.waitFor(), Files.readString(dir.resolve("resumed.log")));
    String log = Files.readString(dir.resolve("resumed.log"));
    Matcher m = RESUMED.matcher(log);
    assertTrue(m.find(), log);
    long from = Long.parseLong(m.group(1));
    long total = Long.parseLong(m.group(2));
    assertTrue(from > 0 && from < total, "resumed half-way, from step " + from + " of " + total);
    assertEquals(straightSummary.get("steps").asLong(), total);
    JsonNode resumed = summary(run);
    assertEquals(mode, resumed.get("distribution_mode").asText());
    assertEquals(straightSummary.get("model_fingerprint").asText(), resumed.get("model_fingerprint").asText(),
        mode + ": killed + resumed == straight\n" + log);
  }
}
