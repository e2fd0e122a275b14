package org.sparsetrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code scripts/sparsetrain train} process killed with SIGKILL after it committed a checkpoint,
 * then run again with {@code --resume}, ends with the same {@code model_fingerprint} as a straight
 * run of the same config.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class KillResumeIT {
  static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

  @TempDir Path dir;

  static List<String> command(Path out, String... extra) {
    List<String> c = new ArrayList<>(List.of("bash", ROOT.resolve("scripts/sparsetrain").toString(), "train",
        "--config", ROOT.resolve("conf/fashion-mnist-set.yaml").toString(), "--out", out.toString(),
        "--set", "training.epochs=4", "--set", "checkpoint.every_steps=150", "--set", "output.report=false",
        "--set", "output.progress_every_seconds=0.5"));
    c.addAll(List.of(extra));
    return c;
  }

  static Process start(List<String> cmd, Path log) throws IOException {
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  static String fingerprint(Path run) throws IOException {
    return TrainJobTest.JSON.readTree(run.resolve("summary.json").toFile()).get("model_fingerprint").asText();
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
  void sigkilledRunResumesToTheStraightRunsModel() throws Exception {
    assertTrue(Files.exists(Path.of(System.getenv("SPARSETRAIN_TARGET"), "sparsetrain.jar")), "the jar is packaged before ITs");
    Path straight = dir.resolve("straight");
    Process s = start(command(straight), dir.resolve("straight.log"));
    assertEquals(0, s.waitFor(), Files.readString(dir.resolve("straight.log")));

    Path run = dir.resolve("killed");
    Process p = start(command(run), dir.resolve("killed.log"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!committed(run)) {
      assertTrue(p.isAlive(), "finished before a checkpoint: " + Files.readString(dir.resolve("killed.log")));
      assertTrue(System.nanoTime() < deadline, "no checkpoint within 120 s");
      Thread.sleep(20);
    }
    p.destroyForcibly();  // SIGKILL: no shutdown hooks, no cleanup
    assertNotEquals(0, p.waitFor());
    assertFalse(Files.exists(run.resolve("summary.json")), "a killed run leaves no summary.json");

    Process r = start(command(run, "--resume"), dir.resolve("resumed.log"));
    assertEquals(0, r.waitFor(), Files.readString(dir.resolve("resumed.log")));
    String log = Files.readString(dir.resolve("resumed.log"));
    assertTrue(log.contains("resuming from"), log);
    assertEquals(fingerprint(straight), fingerprint(run), "killed + resumed == straight\n" + log);
  }
}
