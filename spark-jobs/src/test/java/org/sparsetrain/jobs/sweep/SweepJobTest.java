package org.sparsetrain.jobs.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsetrain.jobs.Main;
import org.sparsetrain.jobs.TrainJob;
import org.sparsetrain.jobs.config.ConfigException;
import org.sparsetrain.training.spark.SparsetrainKryoRegistrator;

class SweepJobTest {
  static SparkSession spark;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[2]").appName("sweep-job-test")
        .config("spark.ui.enabled", "false")
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .config("spark.kryo.registrator", SparsetrainKryoRegistrator.class.getName())
        .getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /** Thrown by the hook to stand for the process being killed: an Error, so the sweep does not record it. */
  static final class Killed extends Error {
    Killed() {
      super("killed");
    }
  }

  Path sweepFile(String grid, int maxConcurrent) throws Exception {
    Path f = dir.resolve("sweep.yaml");
    Files.writeString(f, String.join("\n",
        "sweep:",
        "  max_concurrent: " + maxConcurrent,
        "  grid:",
        grid,
        "model:",
        "  layers: [12, 16, 3]",
        "data:",
        "  format: synthetic",
        "  synthetic_rows: 400",
        "  synthetic_test_rows: 200",
        "training:",
        "  epochs: 1",
        "  batch_size: 40",
        "distribution:",
        "  mode: local",
        "output:",
        "  progress_every_seconds: 0",
        ""));
    return f;
  }

  static PrintStream quiet() {
    return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
  }

  @Test
  void aSweepKilledHalfWayFinishesOnlyTheMissingCellsWhenStartedAgain() throws Exception {
    Path f = sweepFile("    sparsity.method: [set, static]\n    sparsity.target: [0.5, 0.8]", 1);
    SweepSpec spec = SweepSpec.load(f.toString(), List.of());
    assertEquals(4, spec.cells().size());
    String out = dir.resolve("out").toString();
    AtomicInteger runs = new AtomicInteger();
    // first run: the third cell starts, writes its config, and the process "dies"
    // (a killed process runs nothing more: a cell the pool thread picks up after the kill dies too)
    assertThrows(Killed.class, () -> SweepJob.run(spec, null, out, null, quiet(), (cfg, d, m, c) -> {
      int n = runs.incrementAndGet();
      if (n == 3) {
        Files.createDirectories(Path.of(d));
        Files.writeString(Path.of(d, "config.yaml"), cfg.toYaml());
      }
      if (n >= 3) {
        throw new Killed();
      }
      return TrainJob.run(cfg, d, m, c);
    }));
    assertTrue(runs.get() >= 3, "the third cell started");
    List<Path> finished = new ArrayList<>();
    Map<Path, Long> stamps = new HashMap<>();
    for (SweepSpec.Cell c : spec.cells()) {
      Path s = Path.of(out, "cells", c.id(), "summary.json");
      if (Files.exists(s)) {
        finished.add(s);
        stamps.put(s, Files.getLastModifiedTime(s).toMillis());
      }
    }
    assertEquals(2, finished.size());
    assertFalse(Files.exists(Path.of(out, "results.csv")), "a killed sweep writes no table");

    // second run: only the two missing cells train
    AtomicInteger again = new AtomicInteger();
    List<SweepJob.CellResult> r = SweepJob.run(SweepSpec.load(f.toString(), List.of()), null, out, null, quiet(),
        (cfg, d, m, c) -> {
          again.incrementAndGet();
          return TrainJob.run(cfg, d, m, c);
        });
    assertEquals(2, again.get());
    assertEquals(2, r.stream().filter(x -> x.status().equals("ran")).count());
    assertEquals(2, r.stream().filter(x -> x.status().equals("finished_before")).count());
    for (Path s : finished) {
      assertEquals(stamps.get(s), Files.getLastModifiedTime(s).toMillis(), "finished cell " + s + " untouched");
    }
    for (SweepSpec.Cell c : spec.cells()) {
      assertTrue(Files.exists(Path.of(out, "cells", c.id(), "summary.json")));
      assertTrue(Files.exists(Path.of(out, "logs", c.id() + ".log")));
    }

    List<String> csv = Files.readAllLines(Path.of(out, "results.csv"));
    assertEquals("cell_id,sparsity_method,sparsity_target,test_accuracy,global_density,steps,wall_seconds,status,error", csv.get(0));
    assertEquals(5, csv.size());
    Dataset<Row> p = spark.read().parquet(Path.of(out, "results.parquet").toString());
    assertEquals(4, p.count());
    assertEquals(0, p.filter("status = 'failed'").count());
    for (Row row : p.collectAsList()) {
      double target = row.getDouble(row.fieldIndex("sparsity_target"));
      double density = row.getDouble(row.fieldIndex("global_density"));
      assertEquals(1 - target, density, 0.02, "density of " + row);
      assertTrue(row.getLong(row.fieldIndex("steps")) == 10, "400 rows / 40 per batch, one epoch: " + row);
    }
    byte[] png = Files.readAllBytes(Path.of(out, "accuracy_vs_sparsity.png"));
    assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4));

    // third run: nothing left to do
    AtomicInteger third = new AtomicInteger();
    SweepJob.run(SweepSpec.load(f.toString(), List.of()), null, out, null, quiet(), (cfg, d, m, c) -> {
      third.incrementAndGet();
      return TrainJob.run(cfg, d, m, c);
    });
    assertEquals(0, third.get());
  }

  @Test
  void aFailedCellIsRecordedAndTheOthersRun() throws Exception {
    // synthetic_rows 0 fails inside TrainJob (data loading), after the sweep has started
    Path f = sweepFile("    training.seed: [1, 2]\n    data.synthetic_rows: [400, 0]", 2);
    String out = dir.resolve("failing").toString();
    AtomicInteger runs = new AtomicInteger();
    SweepJob.CellRunner counting = (cfg, d, m, c) -> {
      runs.incrementAndGet();
      return TrainJob.run(cfg, d, m, c);
    };
    List<SweepJob.CellResult> r = SweepJob.run(SweepSpec.load(f.toString(), List.of()), null, out, null, quiet(), counting);
    assertEquals(4, runs.get());
    assertEquals(2, r.stream().filter(x -> x.status().equals("ran")).count());
    List<SweepJob.CellResult> failed = r.stream().filter(x -> x.status().equals("failed")).toList();
    assertEquals(2, failed.size());
    for (SweepJob.CellResult x : failed) {
      assertEquals(0, x.cell().values().get("data.synthetic_rows").asInt());
      assertTrue(x.error().contains("data.synthetic_rows"), x.error());
      assertFalse(Files.exists(Path.of(out, "cells", x.cell().id(), "summary.json")));
    }
    String csv = Files.readString(Path.of(out, "results.csv"));
    assertTrue(csv.contains(",failed,"), csv);
    Dataset<Row> p = spark.read().parquet(Path.of(out, "results.parquet").toString());
    assertEquals(2, p.filter("status = 'failed' AND test_accuracy IS NULL AND error LIKE '%synthetic_rows%'").count());
    // the failed cells are the unfinished ones: a re-run retries exactly those
    runs.set(0);
    SweepJob.run(SweepSpec.load(f.toString(), List.of()), null, out, null, quiet(), counting);
    assertEquals(2, runs.get());

    // the command line: exit code 1 (FAILED, not 2 = usage) when a cell failed; it re-runs the two failed cells
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    int code = Main.run(new String[] {"sweep", "--config", f.toString(), "--out", out},
        new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
    assertEquals(Main.FAILED, code, "out: " + o + "\nerr: " + e);
    String console = o.toString(StandardCharsets.UTF_8);
    assertTrue(console.contains("0 ran, 2 finished before, 2 failed"), console);
    assertFalse(e.toString(StandardCharsets.UTF_8).contains("Usage:"), "no usage error: " + e);

    // and 0 (OK) when every cell of the grid is finished: the exit code tells the two apart
    Path good = sweepFile("    training.seed: [1, 2]\n    data.synthetic_rows: [400]", 2);
    o.reset();
    e.reset();
    code = Main.run(new String[] {"sweep", "--config", good.toString(), "--out", out},
        new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
    assertEquals(Main.OK, code, "out: " + o + "\nerr: " + e);
    console = o.toString(StandardCharsets.UTF_8);
    assertTrue(console.contains("0 ran, 2 finished before, 0 failed"), console);
  }

  @Test
  void cellIdsAreStableAndConfigErrorsComeBeforeAnyTraining() throws Exception {
    Map<String, com.fasterxml.jackson.databind.JsonNode> a = new LinkedHashMap<>();
    a.put("sparsity.method", TextNode.valueOf("set"));
    a.put("training.seed", IntNode.valueOf(1));
    Map<String, com.fasterxml.jackson.databind.JsonNode> b = new LinkedHashMap<>();
    b.put("training.seed", IntNode.valueOf(1));
    b.put("sparsity.method", TextNode.valueOf("set"));
    assertEquals(SweepSpec.id(a), SweepSpec.id(b));
    assertTrue(SweepSpec.id(a).startsWith("method-set_seed-1_"), SweepSpec.id(a));
    b.put("training.seed", IntNode.valueOf(2));
    assertNotEquals(SweepSpec.id(a), SweepSpec.id(b));

    Path f = sweepFile("    sparsity.targte: [0.5]", 1);
    ConfigException e = assertThrows(ConfigException.class, () -> SweepSpec.load(f.toString(), List.of()));
    assertTrue(e.getMessage().contains("did you mean 'sparsity.target'"), e.getMessage());

    Path g = sweepFile("    sparsity.target: [0.5, lots]", 1);
    AtomicInteger runs = new AtomicInteger();
    e = assertThrows(ConfigException.class, () -> SweepJob.run(SweepSpec.load(g.toString(), List.of()), null,
        dir.resolve("bad").toString(), null, quiet(), (cfg, d, m, c) -> {
          runs.incrementAndGet();
          return TrainJob.run(cfg, d, m, c);
        }));
    assertTrue(e.getMessage().contains("sparsity.target"), e.getMessage());
    assertEquals(0, runs.get());
  }

  @Test
  void theShippedSweepAndSoupConfigsLoad() {
    SweepSpec s = SweepSpec.load("../conf/sweep-fashion-mnist.yaml", List.of());
    assertEquals(8, s.cells().size());
    assertEquals(2, s.maxConcurrent());
    assertEquals(List.of("sparsity.method", "sparsity.target", "training.seed"), s.keys());
    assertEquals(3, s.base().getInt("training.epochs"), "inline key over the base file");
    assertEquals(0.9, s.base().getDouble("sparsity.target"), "from the base file");
    assertEquals("rigl", s.cells().get(4).config().getString("sparsity.method"));
    org.sparsetrain.jobs.config.JobConfig soup = org.sparsetrain.jobs.config.JobConfig.load("../conf/soup-fashion-mnist.yaml", List.of());
    assertEquals(4, soup.getInt("soup.ingredients"));
    assertEquals("imp", soup.getString("sparsity.method"));
  }
}
