package org.sparsetrain.pruning.criteria;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.sparsity.MaskUpdateContext;
import org.sparsetrain.training.util.Rng;

/**
 * The value a newly grown connection starts with ({@code sparsity.grow_init}); its optimizer state
 * always starts at zero. A connection dropped and regrown in the same update is not new: it keeps
 * its value and state whatever this says.
 * <ul>
 *   <li>{@code zero} (default, RigL and GraNet): 0.</li>
 *   <li>{@code gradient}: one plain gradient step from zero, {@code −η_t·∂L/∂w} with this step's
 *   learning rate (needs the dense gradient of the update step).</li>
 *   <li>{@code random}: He normal {@code N(0, 2/fan_in)} with the layer's mean active fan-in, keyed by
 *   (seed, step, layer) — RigL's {@code random_normal} alternative.</li>
 * </ul>
 */
public enum GrowInit {
  ZERO, GRADIENT, RANDOM;

  private static final long PURPOSE = 0x696E6974L; // "init"

  public static GrowInit named(String s) {
    switch (s.toLowerCase(Locale.ROOT)) {
      case "zero":
      case "zeros":
        return ZERO;
      case "gradient":
        return GRADIENT;
      case "random":
        return RANDOM;
      default:
        throw new IllegalArgumentException("unknown sparsity.grow_init '" + s + "' (known: zero, gradient, random)");
    }
  }

  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether this init reads the dense gradient of the update step. */
  public boolean needsDenseGradient() {
    return this == GRADIENT;
  }

  /** Values for the grown positions (ascending), or null for all-zero. */
  public float[] values(MaskUpdateContext ctx, long t, int l, long[] grow) {
    if (this == ZERO || grow.length == 0) {
      return null;
    }
    Layer layer = ctx.network().layer(l);
    float[] v = new float[grow.length];
    if (this == RANDOM) {
      double fan = Math.max(1.0, layer.nnz() / (double) layer.outFeatures());
      double std = Math.sqrt(2.0 / fan);
      SplittableRandom r = Rng.of(ctx.seed(), t, l, PURPOSE);
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) (Rng.gaussian(r) * std);
      }
      return v;
    }
    float lr = ctx.learningRate();
    if (Float.isNaN(lr)) {
      throw new IllegalStateException("sparsity.grow_init=gradient needs the learning rate, which this trainer does not provide");
    }
    ctx.inactiveGradient(l, (pos, g, count) -> {
      for (int i = 0; i < count; i++) {
        int j = Arrays.binarySearch(grow, pos[i]);
        if (j >= 0) {
          v[j] = -lr * g[i];
        }
      }
    });
    return v;   // revived positions keep their own value; their entry here is ignored
  }
}
