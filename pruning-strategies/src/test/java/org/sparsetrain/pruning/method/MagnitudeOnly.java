package org.sparsetrain.pruning.method;

import java.util.List;
import org.sparsetrain.pruning.SparsityConfig;
import org.sparsetrain.pruning.SparsityConfig.Key;
import org.sparsetrain.pruning.SparsityMethods;
import org.sparsetrain.pruning.criteria.PruneCriteria;
import org.sparsetrain.pruning.distribution.SparsityDistribution;
import org.sparsetrain.pruning.schedule.UpdateSchedule;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.sparsity.LayerChange;
import org.sparsetrain.training.sparsity.MaskDecision;
import org.sparsetrain.training.sparsity.MaskUpdateContext;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * The README's "Adding a sparsity method", as one file: {@code magnitude_only} starts at the
 * distribution's densities and, at every mask update ({@code update_every} in [t_begin, t_end]),
 * drops each sparse layer's ⌊nnz·my_key⌋ smallest |w| and grows nothing. Its one key of its own is
 * {@code sparsity.my_key}; the rest are common keys. Registered by
 * {@code SparsityMethods.register("magnitude_only", MagnitudeOnly.KEYS, MagnitudeOnly::create)}.
 */
public record MagnitudeOnly(SparsityDistribution distribution, double sparsity, UpdateSchedule schedule, double fraction)
    implements SparsityMethod {
  /** The method's own key: name, default, one line of doc. */
  public static final Key MY_KEY = new Key("my_key", 0.1, "magnitude_only: fraction of each sparse layer dropped at an update");
  public static final List<Key> KEYS = List.of(MY_KEY);

  /** Builds the method from a config (common keys plus {@code my_key}); checks its key, naming it. */
  public static MagnitudeOnly create(SparsityConfig c, long totalSteps) {
    double f = c.getDouble(MY_KEY.name());
    if (!(f >= 0 && f < 1)) {
      throw new IllegalArgumentException("sparsity.my_key must be in [0,1), got " + f);
    }
    return new MagnitudeOnly(SparsityMethods.distribution(c), c.target(), SparsityMethods.schedule(c, totalSteps), f);
  }

  @Override public String name() { return "magnitude_only"; }
  @Override public double[] initialDensities(int[] sizes) { return distribution.densities(sizes, sparsity); }
  @Override public boolean updatesAt(long t) { return schedule.updatesAt(t); }

  @Override
  public MaskDecision decide(long t, MaskUpdateContext ctx) {
    Network net = ctx.network();
    int[] counts = new int[net.layerCount()];
    boolean[] eligible = new boolean[counts.length];
    for (int l = 0; l < counts.length; l++) {
      Layer layer = net.layer(l);
      eligible[l] = layer.isSparse() && layer.nnz() > 0 && layer.density() < 1.0;   // as SET: layers with room
      counts[l] = eligible[l] ? (int) Math.floor(layer.nnz() * fraction) : 0;
    }
    int[][] drops = PruneCriteria.named("magnitude").select(net, counts, eligible, ctx.seed(), t);
    LayerChange[] changes = new LayerChange[counts.length];
    for (int l = 0; l < counts.length; l++) {
      changes[l] = drops[l].length == 0 ? null : new LayerChange(drops[l], new long[0]);
    }
    return new MaskDecision(changes);
  }
}
