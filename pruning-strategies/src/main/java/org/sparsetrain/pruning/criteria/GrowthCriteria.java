package org.sparsetrain.pruning.criteria;

/**
 * The growth criteria by name: every {@link GrowthCriterion} in the package
 * {@code org.sparsetrain.pruning.growth} (any classpath entry, test classes included), plus any
 * registered explicitly.
 */
public final class GrowthCriteria {
  private GrowthCriteria() {}

  private static final Registry<GrowthCriterion> REGISTRY =
      new Registry<>(GrowthCriterion.class, "org.sparsetrain.pruning.growth", "sparsity.growth", GrowthCriterion::name);

  /** The criterion named {@code name}; an IllegalArgumentException listing the known ones otherwise. */
  public static GrowthCriterion named(String name) {
    return REGISTRY.get(name);
  }

  /** Known names, comma-separated. */
  public static String known() {
    return REGISTRY.known();
  }

  /** Registers a criterion that lives outside the scanned package. */
  public static void register(GrowthCriterion c) {
    REGISTRY.register(c);
  }
}
