package org.sparsetrain.jobs.soup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsetrain.jobs.config.ConfigException;
import org.sparsetrain.jobs.config.JobConfig;
import org.sparsetrain.pruning.soup.Soups;
import org.sparsetrain.training.nn.Fingerprint;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.spark.SparsetrainKryoRegistrator;

class SoupJobTest {
  static SparkSession spark;
  static final ObjectMapper JSON = new ObjectMapper();
  static final int TOTAL = 16 * 24 + 24 * 4;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[2]").appName("soup-job-test")
        .config("spark.ui.enabled", "false")
        .config("spark.scheduler.mode", "FAIR")
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .config("spark.kryo.registrationRequired", "true")
        .config("spark.kryo.registrator", SparsetrainKryoRegistrator.class.getName())
        .getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static JobConfig cfg(String... extra) {
    List<String> o = new ArrayList<>(List.of("data.format=synthetic", "model.layers=[16, 24, 4]",
        "data.synthetic_rows=1200", "data.synthetic_test_rows=400", "training.epochs=2", "training.batch_size=50",
        "optimizer.lr=0.05", "sparsity.method=imp", "sparsity.target=0.8", "soup.phases=3", "soup.ingredients=3",
        "soup.retrain_epochs=1", "soup.validation_fraction=0.2", "output.progress_every_seconds=0"));
    o.addAll(List.of(extra));
    return JobConfig.load(null, o);
  }

  record Phase(int p, Network pruned, List<Network> ings, Network uniform, Network greedy) {}

  static PrintStream quiet(ByteArrayOutputStream b) {
    return new PrintStream(b, true, StandardCharsets.UTF_8);
  }

  static boolean subset(Network inner, Network outer) {
    for (int l = 0; l < inner.layerCount(); l++) {
      Layer a = inner.layer(l);
      Layer b = outer.layer(l);
      int[] ra = a.rowPtr();
      int[] rb = b.rowPtr();
      for (int r = 0; r + 1 < ra.length; r++) {
        int j = rb[r];
        for (int k = ra[r]; k < ra[r + 1]; k++) {
          while (j < rb[r + 1] && b.colIdx()[j] < a.colIdx()[k]) {
            j++;
          }
          if (j >= rb[r + 1] || b.colIdx()[j] != a.colIdx()[k]) {
            return false;
          }
        }
      }
    }
    return true;
  }

  @Test
  void tasksModeKeepsOneMaskPerPhaseAndReachesEachPhaseDensity() throws Exception {
    List<Phase> phases = new ArrayList<>();
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    Path out = dir.resolve("tasks");
    ObjectNode summary = SoupJob.run(cfg(), out.toString(), null, quiet(console),
        (p, pruned, ings, u, g) -> phases.add(new Phase(p, pruned.copy(), ings, u, g)));
    assertEquals(3, phases.size());
    double q = 1 - Math.pow(0.2, 1.0 / 3);
    JsonNode soup = JSON.readTree(out.resolve("soup.json").toFile());
    assertEquals(q, soup.get("prune_fraction").asDouble(), 1e-12);
    assertEquals(4, soup.get("phases").size());
    assertEquals(1.0, soup.get("phases").get(0).get("density").asDouble());
    Network previous = null;
    for (Phase ph : phases) {
      double expected = Math.pow(1 - q, ph.p) * TOTAL;
      assertTrue(Math.abs(ph.pruned.nnz() - expected) <= 1, "phase " + ph.p + ": nnz " + ph.pruned.nnz() + " vs " + expected);
      assertEquals(3, ph.ings.size());
      for (Network n : ph.ings) {
        assertTrue(Soups.sameMask(ph.pruned, n), "ingredient kept the pruned mask in phase " + ph.p);
      }
      assertTrue(Soups.sameMask(ph.pruned, ph.uniform));
      assertTrue(Soups.sameMask(ph.pruned, ph.greedy));
      if (previous != null) {
        assertTrue(subset(ph.pruned, previous), "phase " + ph.p + " prunes inside the previous soup's mask");
      }
      previous = ph.greedy;
      JsonNode j = soup.get("phases").get(ph.p);
      assertEquals(ph.pruned.nnz(), j.get("nnz").asLong());
      assertEquals(ph.pruned.nnz(), j.get("uniform_soup").get("nnz").asLong());
      assertEquals(ph.pruned.nnz(), j.get("greedy_soup").get("nnz").asLong());
      double best = 0;
      double worst = 1;
      for (JsonNode i : j.get("ingredients")) {
        best = Math.max(best, i.get("validation_accuracy").asDouble());
        worst = Math.min(worst, i.get("validation_accuracy").asDouble());
        assertEquals(ph.pruned.nnz() / (double) TOTAL, i.get("density").asDouble(), 1e-12);
        assertTrue(i.has("test_accuracy"));
      }
      double greedyVal = j.get("greedy_soup").get("validation_accuracy").asDouble();
      assertTrue(greedyVal >= best && best >= worst, "greedy " + greedyVal + " best " + best);
      // the greedy order is the validation order
      JsonNode order = j.get("greedy_soup").get("validation_order");
      for (int k = 1; k < order.size(); k++) {
        assertTrue(j.get("ingredients").get(order.get(k - 1).asInt()).get("validation_accuracy").asDouble()
            >= j.get("ingredients").get(order.get(k).asInt()).get("validation_accuracy").asDouble());
      }
    }
    assertEquals(Fingerprint.of(phases.get(2).greedy), summary.get("model_fingerprint").asText());
    assertEquals(0.2, summary.get("global_density").asDouble(), 1.0 / TOTAL);
    assertTrue(summary.get("test_accuracy").asDouble() > 0.5, "learned something: " + summary);
    JsonNode written = JSON.readTree(out.resolve("summary.json").toFile());
    assertEquals(summary.get("model_fingerprint").asText(), written.get("model_fingerprint").asText());
    assertTrue(Files.exists(out.resolve("config.yaml")));
    // seeds differ per ingredient, the data was held out once
    assertFalse(soup.get("phases").get(1).get("ingredients").get(0).get("seed").equals(
        soup.get("phases").get(1).get("ingredients").get(1).get("seed")));
    assertEquals(240, soup.get("validation_rows").asInt());
    assertEquals(960, soup.get("train_rows").asInt());

    // the same job in the driver's threads (no Spark) and one after another: the same model, bit for bit
    ObjectNode threads = SoupJob.run(cfg("distribution.mode=local", "soup.concurrency=threads", "soup.parallelism=2"),
        dir.resolve("threads").toString(), null, quiet(console));
    assertEquals(summary.get("model_fingerprint").asText(), threads.get("model_fingerprint").asText());
    ObjectNode seq = SoupJob.run(cfg("soup.concurrency=sequential"), dir.resolve("seq").toString(), null, quiet(console));
    assertEquals(summary.get("model_fingerprint").asText(), seq.get("model_fingerprint").asText());
    // a finished directory is refused
    assertThrows(ConfigException.class, () -> SoupJob.run(cfg(), out.toString(), null, quiet(console)));
  }

  @Test
  void fairJobsTrainIngredientsWithTheDistributedTrainer() throws Exception {
    List<Phase> phases = new ArrayList<>();
    ObjectNode s = SoupJob.run(cfg("soup.concurrency=fair_jobs", "soup.phases=2", "soup.ingredients=2", "sparsity.target=0.75",
            "soup.next_from=uniform", "soup.pretrain_epochs=1"),
        dir.resolve("fair").toString(), null, quiet(new ByteArrayOutputStream()),
        (p, pruned, ings, u, g) -> phases.add(new Phase(p, pruned.copy(), ings, u, g)));
    assertEquals(2, phases.size());
    for (Phase ph : phases) {
      assertTrue(Math.abs(ph.pruned.nnz() - Math.pow(0.25, ph.p / 2.0) * TOTAL) <= 1);
      for (Network n : ph.ings) {
        assertTrue(Soups.sameMask(ph.pruned, n));
      }
      assertFalse(java.util.Arrays.equals(ph.ings.get(0).layer(0).values(), ph.ings.get(1).layer(0).values()),
          "two seeds give two ingredients");
    }
    assertEquals(Fingerprint.of(phases.get(1).uniform), s.get("model_fingerprint").asText());
    JsonNode soup = JSON.readTree(dir.resolve("fair").resolve("soup.json").toFile());
    assertTrue(soup.get("concurrency").asText().startsWith("fair_jobs"), soup.get("concurrency").asText());
  }

  @Test
  void weightDecayVariesPerIngredient() throws Exception {
    ObjectNode s = SoupJob.run(cfg("distribution.mode=local", "soup.concurrency=threads", "soup.phases=1",
            "soup.vary=weight_decay", "soup.weight_decays=[0.0, 0.001, 0.01]", "sparsity.target=0.5"),
        dir.resolve("wd").toString(), null, quiet(new ByteArrayOutputStream()));
    JsonNode ings = JSON.readTree(dir.resolve("wd").resolve("soup.json").toFile()).get("phases").get(1).get("ingredients");
    double[] wd = new double[3];
    for (int i = 0; i < 3; i++) {
      wd[i] = ings.get(i).get("weight_decay").asDouble();
      assertEquals(ings.get(0).get("seed").asLong(), ings.get(i).get("seed").asLong(), "one seed when weight decay varies");
    }
    assertArrayEquals(new double[] {0.0, 0.001, 0.01}, wd);
    assertEquals(0.5, s.get("global_density").asDouble(), 1.0 / TOTAL);
  }

  @Test
  void badSoupConfigsAreRefusedBeforeTraining() {
    PrintStream q = quiet(new ByteArrayOutputStream());
    ConfigException e = assertThrows(ConfigException.class,
        () -> SoupJob.run(cfg("sparsity.method=set"), dir.resolve("a").toString(), null, q));
    assertTrue(e.getMessage().contains("sparsity.method: imp"), e.getMessage());
    e = assertThrows(ConfigException.class,
        () -> SoupJob.run(cfg("soup.vary=weight_decay", "soup.weight_decays=[0.1]"), dir.resolve("b").toString(), null, q));
    assertTrue(e.getMessage().contains("one value per ingredient (3), got 1"), e.getMessage());
    e = assertThrows(ConfigException.class,
        () -> SoupJob.run(cfg("distribution.mode=local"), dir.resolve("c").toString(), null, q));
    assertTrue(e.getMessage().contains("threads or sequential"), e.getMessage());
    e = assertThrows(ConfigException.class,
        () -> SoupJob.run(cfg("soup.next_from=best"), dir.resolve("d").toString(), null, q));
    assertTrue(e.getMessage().contains("greedy or uniform"), e.getMessage());
    assertFalse(Files.exists(dir.resolve("a").resolve("summary.json")));
  }
}
