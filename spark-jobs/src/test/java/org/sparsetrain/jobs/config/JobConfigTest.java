package org.sparsetrain.jobs.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobConfigTest {
  @TempDir Path dir;

  private String yaml(String text) throws IOException {
    Path p = dir.resolve("c.yaml");
    Files.writeString(p, text);
    return p.toString();
  }

  @Test
  void nestedKeysAreAddressedWithDotsAndOverridden() throws IOException {
    String f = yaml("model:\n  layers: [20, 8, 3]\nsparsity:\n  target: 0.8\ntraining:\n  epochs: 3\n");
    JobConfig c = JobConfig.load(f, List.of("sparsity.target=0.95", "model.layers=[20, 4, 3]", "optimizer.name=adam"));
    assertEquals(0.95, c.getDouble("sparsity.target"));
    assertArrayEquals(new int[] {20, 4, 3}, c.getIntArray("model.layers"));
    assertEquals(3, c.getInt("training.epochs"));
    assertEquals("adam", c.getString("optimizer.name"));
    assertEquals(128, c.getInt("training.batch_size"), "defaults fill keys the file leaves out");
  }

  @Test
  void unknownKeyIsAnErrorNamingKeyFileAndSuggestion() throws IOException {
    String f = yaml("sparsity:\n  targt: 0.8\n");
    ConfigException e = assertThrows(ConfigException.class, () -> JobConfig.load(f, List.of()));
    assertTrue(e.getMessage().contains("sparsity.targt"), e.getMessage());
    assertTrue(e.getMessage().contains(f), e.getMessage());
    assertTrue(e.getMessage().contains("sparsity.target"), e.getMessage());
    ConfigException e2 = assertThrows(ConfigException.class, () -> JobConfig.load(null, List.of("training.epoch=3")));
    assertTrue(e2.getMessage().contains("training.epoch"), e2.getMessage());
  }

  @Test
  void wrongKindsAreErrors() throws IOException {
    assertTrue(assertThrows(ConfigException.class, () -> JobConfig.load(yaml("training:\n  epochs: ten\n"), List.of()))
        .getMessage().contains("training.epochs"));
    assertTrue(assertThrows(ConfigException.class, () -> JobConfig.load(null, List.of("model.layers=784")))
        .getMessage().contains("model.layers"));
    assertTrue(assertThrows(ConfigException.class, () -> JobConfig.load(null, List.of("optimizer.nesterov=maybe")))
        .getMessage().contains("optimizer.nesterov"));
    assertThrows(ConfigException.class, () -> JobConfig.load(null, List.of("novalue")));
  }

  @Test
  void malformedYamlAndMissingFileAreErrorsNamingTheFile() throws IOException {
    String f = yaml("model: [unclosed\n");
    assertTrue(assertThrows(ConfigException.class, () -> JobConfig.load(f, List.of())).getMessage().contains(f));
    String missing = dir.resolve("nope.yaml").toString();
    assertTrue(assertThrows(ConfigException.class, () -> JobConfig.load(missing, List.of())).getMessage().contains("nope.yaml"));
  }

  @Test
  void valuesOutOfRangeFailValidationNamingTheKey() {
    assertMessage("sparsity.target", List.of("sparsity.target=1.0"));
    assertMessage("sparsity.target", List.of("sparsity.target=-0.1"));
    assertMessage("model.layers[1]", List.of("model.layers=[784, 0, 10]"));
    assertMessage("training.epochs", List.of("training.epochs=0"));
    assertMessage("sparsity.method", List.of("sparsity.method=magic"));
    assertMessage("sparsity.distribution", List.of("sparsity.distribution=zipf"));
    assertMessage("optimizer.momentum", List.of("optimizer.momentum=1.5"));
    assertMessage("sparsity.drop_fraction", List.of("sparsity.drop_fraction=1.5", "sparsity.method=set"));
    assertMessage("sparsity.nm_n", List.of("sparsity.method=nm", "sparsity.nm_n=5"));
    assertMessage("sparsity.t_end", List.of("sparsity.t_begin=500", "sparsity.t_end=100"));
    assertMessage("divisible", List.of("sparsity.method=nm", "model.layers=[30, 10, 4]"));
    assertMessage("sparsity.growth", List.of("sparsity.method=rigl", "sparsity.growth=telepathy"));
  }

  private static void assertMessage(String key, List<String> sets) {
    JobConfig c = JobConfig.load(null, sets);
    ConfigException e = assertThrows(ConfigException.class, () -> TrainSetup.validate(c));
    assertTrue(e.getMessage().contains(key), "message should name " + key + ": " + e.getMessage());
  }

  @Test
  void resolvedYamlRoundTrips() throws IOException {
    JobConfig c = JobConfig.load(null, List.of("sparsity.target=0.7", "model.layers=[10, 5, 2]"));
    JobConfig back = JobConfig.load(yaml(c.toYaml()), List.of());
    assertEquals(c.values(), back.values());
  }

  @Test
  void sparkSubmitConfKeysSitBetweenTheFileAndSet() throws IOException {
    String f = yaml("training:\n  epochs: 3\n");
    try {
      System.setProperty("spark.sparsetrain.training.epochs", "7");
      System.setProperty("spark.sparsetrain.sparsity.target", "0.95");
      JobConfig c = JobConfig.load(f, List.of("sparsity.target=0.8"));
      assertEquals(7, c.getInt("training.epochs"), "--conf spark.sparsetrain.* overrides the file");
      assertEquals(0.8, c.getDouble("sparsity.target"), "--set overrides --conf");
      System.setProperty("spark.sparsetrain.training.epokhs", "7");
      ConfigException e = assertThrows(ConfigException.class, () -> JobConfig.load(f, List.of()));
      assertTrue(e.getMessage().contains("--conf spark.sparsetrain.training.epokhs"), e.getMessage());
    } finally {
      System.clearProperty("spark.sparsetrain.training.epochs");
      System.clearProperty("spark.sparsetrain.sparsity.target");
      System.clearProperty("spark.sparsetrain.training.epokhs");
    }
  }
}
