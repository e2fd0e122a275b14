package org.sparsetrain.pruning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sparsetrain.pruning.schedule.CosineDecay;
import org.sparsetrain.pruning.schedule.CubicSparsity;
import org.sparsetrain.pruning.schedule.DropFraction;
import org.sparsetrain.pruning.schedule.UpdateSchedule;

class ScheduleTest {
  @Test
  void dropFractionValues() {
    DropFraction cos = new DropFraction("cosine", 0.3, 0, 1000, 1);
    assertEquals(0.3, cos.at(0), 1e-12);
    assertEquals(0.15, cos.at(500), 1e-12);
    assertEquals(0.3 * 0.5 * (1 + Math.cos(Math.PI * 0.25)), cos.at(250), 1e-12);   // 0.25607
    assertEquals(0.0, cos.at(1000), 1e-12);
    assertEquals(0.0, cos.at(5000), 1e-12);
    DropFraction exp = new DropFraction("exponential", 0.4, 100, 500, 2);
    assertEquals(0.4, exp.at(100), 1e-12);
    assertEquals(0.4 * 0.25, exp.at(300), 1e-12);
    assertEquals(0.0, exp.at(500), 1e-12);
    assertEquals(0.2, new DropFraction("constant", 0.2, 0, 10, 1).at(7), 0);
  }

  @Test
  void updateScheduleFiresEveryDeltaTWithinTheWindow() {
    UpdateSchedule s = new UpdateSchedule(100, 50, 450);
    assertFalse(s.updatesAt(50));
    assertTrue(s.updatesAt(150));
    assertFalse(s.updatesAt(151));
    assertTrue(s.updatesAt(450));
    assertFalse(s.updatesAt(550));
  }

  @Test
  void cubicSparsityValues() {
    CubicSparsity c = new CubicSparsity(0.0, 0.9, 100, 1100);
    assertEquals(0.0, c.at(50), 0);
    assertEquals(0.0, c.at(100), 0);
    assertEquals(0.9 - 0.9 * 0.125, c.at(600), 1e-12);         // p = 0.5: (1-0.5)^3 = 0.125
    assertEquals(0.9 - 0.9 * 0.729, c.at(200), 1e-12);         // p = 0.1
    assertEquals(0.9, c.at(1100), 0);
    assertEquals(0.9, c.at(5000), 0);
    CubicSparsity from = new CubicSparsity(0.5, 0.8, 0, 10);
    assertEquals(0.8 + (0.5 - 0.8) * 0.343, from.at(3), 1e-12);
  }

  @Test
  void regenerationFractionAnnealsFromHalfToFiveThousandths() {
    CosineDecay r = new CosineDecay(0.5, 0.005, 0, 1000);
    assertEquals(0.5, r.at(0), 1e-12);
    assertEquals(0.2525, r.at(500), 1e-12);
    assertEquals(0.005, r.at(1000), 1e-12);
    assertEquals(0.005, r.at(2000), 1e-12);
  }

  @Test
  void badSchedulesFailAtConstruction() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new UpdateSchedule(10, 500, 100));
    assertTrue(e.getMessage().contains("t_end"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new DropFraction("cosine", 1.2, 0, 10, 1));
    assertThrows(IllegalArgumentException.class, () -> new DropFraction("cosine", -0.1, 0, 10, 1));
    assertThrows(IllegalArgumentException.class, () -> new CubicSparsity(0, 0.9, 100, 50));
  }
}
