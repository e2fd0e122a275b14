package org.sparsetrain.training.spark.sharded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.optim.Adam;
import org.sparsetrain.training.spark.DriverMemory;

class DistributionModeTest {
  static final long MB = 1L << 20;

  @Test
  void choosesDriverBelowThreeQuartersOfTheHeapAndShardedAbove() {
    DistributionMode.Choice small = DistributionMode.choose(100 * MB, 512 * MB);
    assertEquals(DistributionMode.DRIVER, small.mode());
    assertTrue(small.reason().contains("19.5 %") && small.reason().contains("512.0 MiB"), small.reason());
    assertEquals(DistributionMode.DRIVER, DistributionMode.choose(384 * MB - 1, 512 * MB).mode());
    DistributionMode.Choice big = DistributionMode.choose(384 * MB, 512 * MB);
    assertEquals(DistributionMode.SHARDED, big.mode());
    assertTrue(big.reason().contains("sharded over the executors"), big.reason());
    assertEquals(DistributionMode.SHARDED, DistributionMode.choose(3L << 30, 512 * MB).mode());
    assertThrows(IllegalArgumentException.class, () -> DistributionMode.choose(1, 0));
  }

  @Test
  void parsesTheConfigValue() {
    assertEquals(DistributionMode.AUTO, DistributionMode.parse(" Auto "));
    assertEquals(DistributionMode.SHARDED, DistributionMode.parse("sharded"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DistributionMode.parse("fsdp"));
    assertTrue(e.getMessage().contains("driver, sharded, auto"));
  }

  @Test
  void autoComparesTheDriverModesEstimateWithThisJvmsHeap() {
    ModelSpec spec = new ModelSpec(new int[] {100, 50, 10}, Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY);
    MagnitudeDropGrow m = new MagnitudeDropGrow(MagnitudeDropGrow.Grow.RANDOM, MagnitudeDropGrow.Drop.MAGNITUDE, 1, 1, 0.1, 0.3);
    Adam adam = new Adam(0.9, 0.999, 1e-8, 0, false);
    long need = DriverMemory.of(spec, m, adam, 1, 2, false).total();
    assertEquals(DistributionMode.choose(need, Runtime.getRuntime().maxMemory()), DistributionMode.choose(spec, m, adam, 1, 2));
  }
}
