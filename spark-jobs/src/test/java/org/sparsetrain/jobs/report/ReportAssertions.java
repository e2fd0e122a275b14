package org.sparsetrain.jobs.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;

/** Checks shared by the report tests: every plot is a real, non-blank PNG the page references. */
final class ReportAssertions {
  private ReportAssertions() {}

  /** Asserts that the report in {@code runDir} has exactly {@code expected} (file → width×height) as plots. */
  static String assertReport(Path runDir, RunReport.Result result, Map<String, int[]> expected) throws IOException {
    Path report = runDir.resolve(RunReport.DIR);
    Path index = report.resolve(RunReport.INDEX);
    assertTrue(Files.isRegularFile(index), "index.html written");
    String html = Files.readString(index);
    Set<String> files = new HashSet<>();
    result.plots().forEach(p -> files.add(p.file()));
    assertEquals(expected.keySet(), files, "plots of the report");
    try (var list = Files.list(report)) {
      Set<String> pngs = new HashSet<>();
      list.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".png")).forEach(pngs::add);
      assertEquals(expected.keySet(), pngs, "PNG files in report/");
    }
    for (var e : expected.entrySet()) {
      BufferedImage img = ImageIO.read(report.resolve(e.getKey()).toFile());
      assertNotNull(img, e.getKey() + " decodes as an image");
      assertEquals(e.getValue()[0], img.getWidth(), e.getKey() + " width");
      assertEquals(e.getValue()[1], img.getHeight(), e.getKey() + " height");
      assertNotBlank(img, e.getKey());
      assertTrue(html.contains("<img src=\"" + e.getKey() + "\""), "index.html shows " + e.getKey());
    }
    assertTrue(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"),
        "self-contained page: no network resources, no script");
    return html;
  }

  /** Not blank: many distinct colours (lines, text, antialiasing) and a fair share of non-white pixels. */
  static void assertNotBlank(BufferedImage img, String name) {
    Set<Integer> colours = new HashSet<>();
    long inked = 0;
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int rgb = img.getRGB(x, y) & 0xFFFFFF;
        colours.add(rgb);
        if (rgb != 0xFFFFFF) {
          inked++;
        }
      }
    }
    assertTrue(colours.size() > 16, name + " has only " + colours.size() + " colours");
    double share = inked / (double) (img.getWidth() * img.getHeight());
    assertTrue(share > 0.01, name + " is almost blank: " + share + " of its pixels are not white");
  }

  static int[] size(int w, int h) {
    return new int[] {w, h};
  }
}
