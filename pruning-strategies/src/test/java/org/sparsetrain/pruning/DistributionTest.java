package org.sparsetrain.pruning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.sparsetrain.pruning.distribution.ErdosRenyi;
import org.sparsetrain.pruning.distribution.Explicit;
import org.sparsetrain.pruning.distribution.SparsityDistribution;
import org.sparsetrain.pruning.distribution.Uniform;

class DistributionTest {
  private static final int[] LENET = {784, 300, 100, 10};
  private static final int[] DEEP = {784, 1000, 1000, 1000, 10};

  private static void assertDensities(double[] expected, double[] actual) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 5e-5, "layer " + i);
    }
  }

  /** Σ d_l·N_l equals (1−s)·Σ N_l within one weight. */
  private static void assertBudget(int[] sizes, double s, double[] d) {
    double kept = 0;
    double total = 0;
    for (int l = 0; l < d.length; l++) {
      double n = (double) sizes[l] * sizes[l + 1];
      kept += d[l] * n;
      total += n;
    }
    assertEquals((1 - s) * total, kept, 1.0);
  }

  @Test
  void erkMatchesDesignCheckValues() {
    SparsityDistribution erk = ErdosRenyi.erk(1.0);
    double[] a = erk.densities(LENET, 0.90);
    assertDensities(new double[] {0.0796, 0.2302, 1.0}, a);
    assertBudget(LENET, 0.90, a);
    double[] b = erk.densities(DEEP, 0.90);
    assertDensities(new double[] {0.1060, 0.0932, 0.0932, 1.0}, b);
    assertBudget(DEEP, 0.90, b);
    double[] c = erk.densities(DEEP, 0.98);
    assertDensities(new double[] {0.0187, 0.0164, 0.0164, 0.8307}, c);
    assertBudget(DEEP, 0.98, c);
  }

  @Test
  void erEqualsErkForDenseLayers() {
    assertArrayEquals(ErdosRenyi.erk(1.0).densities(LENET, 0.9), ErdosRenyi.er().densities(LENET, 0.9), 1e-12);
  }

  @Test
  void erkPowerScaleZeroPointFiveFlattensTheScores() {
    double[] d = ErdosRenyi.erk(0.5).densities(LENET, 0.9);
    assertBudget(LENET, 0.9, d);
    // a weaker exponent gives the first (largest) layer more than power 1 does
    double[] one = ErdosRenyi.erk(1.0).densities(LENET, 0.9);
    org.junit.jupiter.api.Assertions.assertTrue(d[0] > one[0], "power 0.5 first layer " + d[0]);
  }

  @Test
  void uniformAndDenseFirstLayer() {
    assertArrayEquals(new double[] {0.1, 0.1, 0.1}, new Uniform(false).densities(LENET, 0.9), 1e-12);
    int[] wide = {100, 300, 100, 10};
    double[] d = new Uniform(true).densities(wide, 0.5);
    assertEquals(1.0, d[0]);
    assertEquals(d[1], d[2]);
    assertBudget(wide, 0.5, d);
    assertThrows(IllegalArgumentException.class, () -> new Uniform(true).densities(LENET, 0.9));
  }

  @Test
  void explicitDensitiesAreCheckedAgainstTheModel() {
    assertArrayEquals(new double[] {0.1, 0.5, 1}, new Explicit(new double[] {0.1, 0.5, 1}).densities(LENET, 0.9), 0);
    assertThrows(IllegalArgumentException.class, () -> new Explicit(new double[] {0.1, 0.5}).densities(LENET, 0.9));
    assertThrows(IllegalArgumentException.class, () -> new Explicit(new double[] {0.1, 1.5, 1}));
  }
}
