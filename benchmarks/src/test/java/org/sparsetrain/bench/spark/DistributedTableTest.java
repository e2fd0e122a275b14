package org.sparsetrain.bench.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark table's row: warm-up steps left out, means weighted by steps, ratio to MLlib. */
class DistributedTableTest {
  @Test
  void rowWeighsStepGroupsAndSkipsWarmUp(@TempDir Path dir) throws Exception {
    Path run = Files.createDirectory(dir.resolve("rigl-b128"));
    Files.writeString(run.resolve("summary.json"),
        "{\"samples_per_second\": 5668.0, \"test_accuracy\": 0.8512, \"distribution_mode\": \"driver\"}");
    Files.writeString(run.resolve("metrics.jsonl"), String.join("\n",
        "{\"type\":\"steps\",\"from_step\":1,\"to_step\":10,\"step_ms\":500,\"compute_ms\":100,"
            + "\"bytes_sent_per_step\":9,\"bytes_received_per_step\":9}",
        "{\"type\":\"epoch\",\"epoch\":0,\"step\":10}",
        "{\"type\":\"steps\",\"from_step\":11,\"to_step\":40,\"step_ms\":40,\"compute_ms\":30,\"driver_ms\":3,"
            + "\"bytes_sent_per_step\":1000,\"bytes_received_per_step\":4000}",
        "{\"type\":\"steps\",\"from_step\":41,\"to_step\":100,\"step_ms\":10,\"compute_ms\":6,"
            + "\"bytes_sent_per_step\":1000,\"bytes_received_per_step\":1000}", ""));
    // steps 1-10 are the first 10 %; then (30·40 + 60·10)/90 = 20 ms, (30·30 + 60·6)/90 = 14 ms, of it
    // (30·3 + 60·0)/90 = 1 ms on the driver (a group without driver_ms counts 0)
    assertEquals("| rigl-b128 | 5,668 | 2.0× | | | 20.0 | 14.0 | 1.00 | 30 % | 1,000 | 2,000 | 85.12 % |",
        DistributedTable.row(run, 2834));
    Files.writeString(run.resolve("summary.json"),
        "{\"samples_per_second\": 5668.0, \"test_accuracy\": 0.8512, \"distribution_mode\": \"local\"}");
    assertEquals("| rigl-b128 | 5,668 | 2.0× | | | 20.0 | 14.0 | — | — | — | — | 85.12 % |", DistributedTable.row(run, 2834),
        "one JVM: no Spark overhead or traffic to speak of");
  }

  @Test
  void laterEpochsLeaveOutTheFirst(@TempDir Path dir) throws Exception {
    Path run = Files.createDirectory(dir.resolve("rigl-k99"));
    Files.writeString(run.resolve("summary.json"),
        "{\"samples_per_second\": 1800.0, \"test_accuracy\": 0.85, \"distribution_mode\": \"driver\"}");
    Files.writeString(run.resolve("metrics.jsonl"), String.join("\n",
        "{\"type\":\"steps\",\"from_step\":1,\"to_step\":20,\"step_ms\":500,\"compute_ms\":100,"
            + "\"bytes_sent_per_step\":9,\"bytes_received_per_step\":9}",
        "{\"type\":\"epoch\",\"epoch\":0,\"step\":20,\"samples_per_second\":1000}",
        "{\"type\":\"steps\",\"from_step\":21,\"to_step\":40,\"step_ms\":8,\"compute_ms\":6,"
            + "\"bytes_sent_per_step\":100,\"bytes_received_per_step\":300}",
        "{\"type\":\"epoch\",\"epoch\":1,\"step\":40,\"samples_per_second\":1600}", ""));
    // per sample: epoch 1 took 20/1000, both 40/1600, so the second 20 steps ran at 20/(0.025-0.02) = 4000;
    // the first epoch's steps are the warm-up
    assertEquals("| rigl-k99 | 1,800 | 0.9× | 4,000 | 2.0× | 8.0 | 6.0 | 0.00 | 25 % | 100 | 300 | 85.00 % |",
        DistributedTable.row(run, 2000));
  }
}
