package org.sparsetrain.jobs.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

  /** Dark (most connected) pixels of a heat map in the top and the bottom half of its plot area. */
  static int[] darkTopBottom(int[] degree, int side) {
    BufferedImage img = org.knowm.xchart.BitmapEncoder.getBufferedImage(ReportCharts.degreeHeatMap("t", degree, side));
    int[] n = new int[2];
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth() * 3 / 4; x++) { // left of the colour legend
        Color c = new Color(img.getRGB(x, y));
        if (c.getRed() < 40 && c.getGreen() < 60 && c.getBlue() > 60 && c.getBlue() < 140) {
          n[y < img.getHeight() / 2 ? 0 : 1]++;
        }
      }
    }
    return n;
  }

  @Test
  void heatMapDrawsInputRowZeroAtTheTop() {
    int side = 28;
    int[] top = new int[side * side];
    int[] bottom = new int[side * side];
    for (int p = 0; p < top.length; p++) {
      boolean upper = p / side < side / 2;
      top[p] = upper ? 30 : 0;
      bottom[p] = upper ? 0 : 30;
    }
    int[] t = darkTopBottom(top, side);
    int[] b = darkTopBottom(bottom, side);
    assertTrue(t[0] > 20_000 && t[1] < t[0] / 10, "inputs of the first rows drawn at the top: " + t[0] + " / " + t[1]);
    assertTrue(b[1] > 20_000 && b[0] < b[1] / 10, "inputs of the last rows drawn at the bottom: " + b[0] + " / " + b[1]);
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
