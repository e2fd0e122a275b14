package org.sparsetrain.pruning.criteria;

/** The prune criteria by name: every {@link PruneCriterion} in {@code org.sparsetrain.pruning.prune}. */
public final class PruneCriteria {
  private PruneCriteria() {}

  private static final Registry<PruneCriterion> REGISTRY =
      new Registry<>(PruneCriterion.class, "org.sparsetrain.pruning.prune", "sparsity.prune", PruneCriterion::name);

  public static PruneCriterion named(String name) {
    return REGISTRY.get(name);
  }

  public static String known() {
    return REGISTRY.known();
  }

  public static void register(PruneCriterion c) {
    REGISTRY.register(c);
  }
}
