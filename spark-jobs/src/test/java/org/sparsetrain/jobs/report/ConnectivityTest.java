package org.sparsetrain.jobs.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.Color;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;
import org.sparsetrain.training.nn.DenseLinear;
import org.sparsetrain.training.nn.SparseLinear;

class ConnectivityTest {
  @Test
  void degreesFromCsr() {
    // W is 3 × 4: row 0 → cols {0, 2}, row 1 → {}, row 2 → {0, 1, 2}
    SparseLinear l = new SparseLinear(4, 3, new int[] {0, 2, 2, 5}, new int[] {0, 2, 0, 1, 2},
        new float[] {1, 2, 3, 4, 5}, new float[3]);
    Connectivity c = Connectivity.of(l);
    assertArrayEquals(new int[] {2, 0, 3}, c.inDegree());
    assertArrayEquals(new int[] {2, 1, 2, 0}, c.outDegree());
    assertEquals(5, c.nnz());
    assertEquals(1, c.deadInputs());
    assertEquals(1, c.deadOutputs());
  }

  @Test
  void denseLayerIsFullyConnected() {
    Connectivity c = Connectivity.of(new DenseLinear(5, 2, new float[10], new float[2]));
    assertArrayEquals(new int[] {5, 5}, c.inDegree());
    assertArrayEquals(new int[] {2, 2, 2, 2, 2}, c.outDegree());
    assertEquals(10, c.nnz());
  }

  @Test
  void squareSides() {
    assertEquals(28, Connectivity.squareSide(784));
    assertEquals(4, Connectivity.squareSide(16));
    assertEquals(0, Connectivity.squareSide(300));
    assertEquals(0, Connectivity.squareSide(1));
    assertEquals(0, Connectivity.squareSide(12));
  }

  @Test
  void screenshotCropKeepsContentAndAMargin() {
    BufferedImage img = new BufferedImage(50, 400, BufferedImage.TYPE_INT_RGB);
    var g = img.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, 50, 400);
    g.setColor(Color.BLACK);
    g.fillRect(10, 20, 5, 80); // content ends at row 99
    g.dispose();
    BufferedImage c = PageImage.cropBottom(img);
    assertEquals(100 + PageImage.MARGIN, c.getHeight());
    assertEquals(50, c.getWidth());
    assertEquals(Color.BLACK.getRGB(), c.getRGB(12, 99));
  }
}
