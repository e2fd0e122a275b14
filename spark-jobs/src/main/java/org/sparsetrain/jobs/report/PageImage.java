package org.sparsetrain.jobs.report;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import javax.imageio.ImageIO;

/**
 * Crops the empty bottom of a full-page screenshot: headless Chromium shoots a window of a fixed
 * height, which {@code scripts/render-report} chooses larger than the page.
 * {@code PageImage SCREENSHOT.png} rewrites the file in place and prints its new size.
 */
public final class PageImage {
  static final int MARGIN = 24;

  private PageImage() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: PageImage SCREENSHOT.png");
      System.exit(2);
    }
    File f = new File(args[0]);
    BufferedImage img = ImageIO.read(f);
    if (img == null) {
      System.err.println("error: " + f + " is not an image");
      System.exit(4);
    }
    BufferedImage cropped = cropBottom(img);
    if (cropped != img) {
      ImageIO.write(cropped, "png", f);
    }
    System.out.println(f + ": " + cropped.getWidth() + "x" + cropped.getHeight());
  }

  /** The image without the rows below its last non-background row (background: the bottom-left pixel). */
  static BufferedImage cropBottom(BufferedImage img) {
    int bg = img.getRGB(0, img.getHeight() - 1);
    int last = -1;
    for (int y = img.getHeight() - 1; y >= 0 && last < 0; y--) {
      for (int x = 0; x < img.getWidth(); x++) {
        if (img.getRGB(x, y) != bg) {
          last = y;
          break;
        }
      }
    }
    int h = Math.min(img.getHeight(), Math.max(1, last + 1 + MARGIN));
    return h == img.getHeight() ? img : img.getSubimage(0, 0, img.getWidth(), h);
  }
}
