package org.sparsetrain.pruning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparsetrain.training.sparsity.SparsityMethod;

class ConfigTest {
  private static IllegalArgumentException fails(Object... kv) {
    return assertThrows(IllegalArgumentException.class, () -> {
      SparsityConfig.Builder b = SparsityConfig.builder();
      for (int i = 0; i < kv.length; i += 2) {
        b.set((String) kv[i], kv[i + 1]);
      }
      SparsityMethods.create(b.build(), 1000, new int[] {784, 300, 100, 10});
    });
  }

  private static void assertMentions(IllegalArgumentException e, String... words) {
    for (String w : words) {
      assertTrue(e.getMessage().contains(w), "'" + e.getMessage() + "' should mention " + w);
    }
  }

  @Test
  void theOriginalTenArgumentConstructorStillWorks() {
    SparsityConfig c = new SparsityConfig("rigl", 0.8, "erk", 1.0, false, 50, 0.3, "cosine", 0, -1);
    assertEquals("rigl", c.method());
    assertEquals(2, new SparsityConfig("nm", 0.8, "erk", 1.0, false, 50, 0.3, "cosine", 0, -1).getInt("nm_n"));
    assertEquals("zero", c.growInit());
    assertEquals(c, c.toBuilder().build());
    assertEquals(SparsityConfig.KEYS.size(), c.toMap().size());
    assertEquals("set", SparsityConfig.defaults().method());
  }

  @Test
  void everyRegisteredMethodCanBeCreatedFromDefaults() {
    for (String name : SparsityMethods.known().split(", ")) {
      SparsityMethod m = SparsityMethods.create(SparsityConfig.builder().set("method", name).build(), 1000,
          new int[] {784, 300, 100, 12});
      assertEquals(name, m.name());
    }
    assertEquals("dense, static, set, rigl, snfs, granet, gmp, random, nm, imp", SparsityMethods.known());
  }

  @Test
  void unknownNamesListTheKnownOnes() {
    assertMentions(fails("method", "magic"), "sparsity.method", "rigl", "snfs", "granet", "gmp", "imp", "nm");
    assertMentions(fails("distribution", "zipf"), "sparsity.distribution", "erk", "uniform");
    assertMentions(fails("growth", "sideways"), "sparsity.growth", "gradient", "momentum");
    assertMentions(fails("prune", "smallest"), "sparsity.prune", "magnitude");
    assertMentions(fails("grow_init", "ones"), "sparsity.grow_init", "zero");
    assertMentions(fails("redistribution", "even"), "sparsity.redistribution", "momentum");
    assertMentions(assertThrows(IllegalArgumentException.class, () -> SparsityConfig.builder().set("sparsity.dropfraction", 0.1)),
        "sparsity.dropfraction", "drop_fraction");
  }

  @Test
  void badValuesFailAtConstruction() {
    assertMentions(fails("t_begin", 500, "t_end", 100), "t_end", "t_begin");
    assertMentions(fails("drop_fraction", 1.5), "sparsity.drop_fraction", "[0,1]");
    assertMentions(fails("drop_fraction", -0.01), "sparsity.drop_fraction");
    assertMentions(fails("target", 1.0), "sparsity.target");
    assertMentions(fails("method", "nm", "nm_n", 3, "nm_m", 2), "nm_n");
    assertMentions(fails("method", "nm", "nm_m", 8, "nm_n", 2), "divisible by M=8", "300");
    assertMentions(fails("method", "gmp", "prune_begin", 50, "prune_end", 10), "prune_end");
    assertMentions(fails("method", "imp", "imp_phases", 0), "imp_phases");
    assertMentions(fails("method", "imp", "imp_rewind_step", 2000), "imp_rewind_step");
    assertMentions(fails("method", "random", "prune", "magnitude"), "random");
    assertMentions(fails("update_every", 0), "update_every");
    assertMentions(fails("update_every", "ten"), "update_every");
    assertMentions(fails("distribution", "explicit"), "layer_densities");
    assertMentions(fails("distribution", "explicit", "layer_densities", List.of(0.1, 0.2)), "layer_densities", "3 weight layers");
  }

  @Test
  void builderAcceptsPrefixedKeysAndStrings() {
    SparsityConfig c = SparsityConfig.builder().set("sparsity.method", "nm").set("nm_n", "1").set("nm_m", 4L)
        .set("dense_first_layer", "true").set("layer_densities", List.of(0.5, 1)).build();
    assertEquals(1, c.getInt("nm_n"));
    assertTrue(c.denseFirstLayer());
    Map<String, Object> m = c.toMap();
    assertEquals(List.of(0.5, 1.0), m.get("layer_densities"));
  }
}
