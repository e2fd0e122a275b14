package org.sparsetrain.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The application jar through spark-submit (Spark's own SparkSubmit, as scripts/submit runs it
 * when no Spark installation is on the PATH): on local[2], and on a standalone cluster whose
 * master, two one-core workers and their executors are separate JVMs (scripts/cluster up 2: one
 * executor of one core on each worker). Both give the same model.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class SubmitIT {
  static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

  @TempDir Path dir;

  int run(Path log, Map<String, String> env, String... args) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(args).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    pb.environment().put("SPARSETRAIN_EMBEDDED_SUBMIT", "1");
    pb.environment().put("SPARSETRAIN_DRIVER_MEMORY", "1g");
    Process p = pb.start();
    if (!p.waitFor(4, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + Files.readString(log));
    }
    return p.exitValue();
  }

  String[] submit(String master, Path out) {
    List<String> a = new ArrayList<>(List.of("bash", ROOT.resolve("scripts/submit").toString(), "--master", master,
        "train", "--out", out.toString(), "--set", "data.format=synthetic", "--set", "model.layers=[32, 24, 4]",
        "--set", "data.synthetic_rows=1024", "--set", "data.synthetic_test_rows=256", "--set", "training.epochs=2",
        "--set", "training.batch_size=64", "--set", "sparsity.method=rigl", "--set", "sparsity.update_every=5",
        "--set", "distribution.partitions=2", "--set", "output.report=false"));
    return a.toArray(new String[0]);
  }

  JsonNode summary(Path out) throws IOException {
    return TrainJobTest.JSON.readTree(out.resolve("summary.json").toFile());
  }

  @Test
  void sparkSubmitOnLocalAndOnAStandaloneClusterTrainTheSameModel() throws Exception {
    Path local = dir.resolve("local");
    assertEquals(0, run(dir.resolve("local.log"), Map.of(), submit("local[2]", local)), Files.readString(dir.resolve("local.log")));
    assertEquals("driver", summary(local).get("distribution_mode").asText());

    Map<String, String> env = Map.of("SPARK_MASTER_PORT", "17377", "SPARK_MASTER_WEBUI_PORT", "18377",
        "SPARSETRAIN_CLUSTER_DIR", dir.resolve("cluster").toString());
    String cluster = ROOT.resolve("scripts/cluster").toString();
    try {
      assertEquals(0, run(dir.resolve("up.log"), env, "bash", cluster, "up", "2", "2g"), Files.readString(dir.resolve("up.log")));
      assertTrue(Files.readString(dir.resolve("up.log")).contains("2 worker(s) of 1 core and 2g each; an application gets up to"
          + " 2 executor(s) of 1 core"), Files.readString(dir.resolve("up.log")));
      Path remote = dir.resolve("remote");
      assertEquals(0, run(dir.resolve("remote.log"), env, submit("spark://127.0.0.1:17377", remote)),
          Files.readString(dir.resolve("remote.log")));
      assertTrue(Files.readString(dir.resolve("remote.log")).contains("spark spark://127.0.0.1:17377"),
          Files.readString(dir.resolve("remote.log")));
      assertEquals(summary(local).get("model_fingerprint").asText(), summary(remote).get("model_fingerprint").asText(),
          "executors in other JVMs, same model");
      for (String worker : List.of("work-1", "work-2")) {   // one executor of one core on each worker
        try (var apps = Files.list(dir.resolve("cluster").resolve(worker))) {
          assertEquals(1, apps.filter(a -> a.getFileName().toString().startsWith("app-")).count(),
              "the application ran an executor on " + worker);
        }
      }
    } finally {
      run(dir.resolve("down.log"), env, "bash", cluster, "down");
    }
  }
}
