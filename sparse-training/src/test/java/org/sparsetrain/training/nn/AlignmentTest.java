package org.sparsetrain.training.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** The offsets that {@link Alignment} reads from array addresses. */
class AlignmentTest {

  @Test
  void offsetsAreWithinALineAndSteppedByTheObjectAlignment() {
    for (int n = 0; n < 40; n++) {
      int o = Alignment.offset(new float[n]);
      assertTrue(o >= 0 && o < Alignment.LINE_FLOATS, "offset " + o);
      assertEquals(0, o % 2, "objects are 8-byte aligned, so data starts at an even float index");
    }
  }

  /** Arrays allocated one after the other lie next to each other: their offsets differ by the first one's size. */
  @Test
  void consecutiveArraysHaveConsistentOffsets() {
    assumeTrue(Alignment.known(), "array addresses not readable here");
    int agree = 0;
    for (int i = 0; i < 20; i++) {
      float[] a = new float[5];   // 16 + 20 bytes, 40 with 8-byte object alignment: 10 floats
      float[] b = new float[5];
      if (Math.floorMod(Alignment.offset(a) - Alignment.offset(b), Alignment.LINE_FLOATS) == 10) {
        agree++;
      }
    }
    assertTrue(agree >= 15, agree + " of 20 pairs at the distance of their size");
  }

  /** G1 puts an array larger than half a region at the start of a region (at least 1 MB aligned): a known address. */
  @Test
  void aHumongousG1ArrayStartsOnARegion() {
    assumeTrue(Alignment.known(), "array addresses not readable here");
    boolean g1 = ManagementFactory.getGarbageCollectorMXBeans().stream()
        .map(GarbageCollectorMXBean::getName).anyMatch(n -> n.startsWith("G1"));
    assumeTrue(g1, "not G1");
    float[] big = new float[16 << 20];   // 64 MB: humongous for every region size
    long data = Alignment.FLOAT_BASE;
    assertEquals((int) ((-data & 63) / Float.BYTES), Alignment.offset(big));
  }
}
