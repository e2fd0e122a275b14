package org.sparsetrain.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.sparsetrain.data.IdxFiles.gzip;
import static org.sparsetrain.data.IdxFiles.idx;
import static org.sparsetrain.data.IdxFiles.images;
import static org.sparsetrain.data.IdxFiles.labels;
import static org.sparsetrain.data.IdxFiles.write;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsetrain.training.data.DataBlock;

class IdxReaderTest {
  static final String FASHION = "/usr/share/datasets/fashion-mnist";

  @TempDir Path dir;

  @Test
  void readsPlainAndGzipByMagicNotByName() {
    byte[] img = images(7, 3, 4);
    byte[] lab = labels(7, 5);
    // a gzip file without .gz and a plain file named .gz: detection is by content
    String imgGz = write(dir, "images.bin", gzip(img));
    String labPlain = write(dir, "labels.gz", lab);
    DataBlock b = IdxReader.read(imgGz, labPlain);
    assertEquals(7, b.rows());
    assertEquals(12, b.features());
    assertEquals(0, b.firstRow());
    assertFalse(b.isSparse());
    for (int i = 0; i < 7; i++) {
      assertEquals(i % 5, b.label(i));
      float[] row = b.row(i);
      for (int p = 0; p < 12; p++) {
        assertEquals(IdxFiles.pixel(i, p) / 255f, row[p], 0f);
      }
    }
    DataBlock plain = IdxReader.read("file://" + write(dir, "i", img), write(dir, "l", gzip(lab)));
    assertArrayEquals(b.denseFeatures(), plain.denseFeatures());
    assertArrayEquals(b.labels(), plain.labels());
  }

  @Test
  void readsARangeWithItsGlobalIds() {
    String img = write(dir, "i.gz", gzip(images(20, 2, 2)));
    String lab = write(dir, "l", labels(20, 3));
    String imgPlain = write(dir, "ip", images(20, 2, 2));
    DataBlock all = IdxReader.read(img, lab);
    for (String ip : new String[] {img, imgPlain}) {
      DataBlock part = IdxReader.read(ip, lab, new Configuration(), 13, 5);
      assertEquals(13, part.firstRow());
      assertEquals(5, part.rows());
      for (int r = 0; r < 5; r++) {
        assertArrayEquals(all.row(13 + r), part.row(r));
        assertEquals(all.label(13 + r), part.label(r));
      }
      assertEquals(2, IdxReader.read(ip, lab, new Configuration(), 18, 100).rows());
    }
  }

  @Test
  void fashionMnistFromDebian() throws IOException {
    assumeTrue(Files.isDirectory(Path.of(FASHION)), "dataset-fashion-mnist is not installed");
    DataBlock train = IdxReader.read(FASHION + "/train-images-idx3-ubyte.gz", FASHION + "/train-labels-idx1-ubyte.gz");
    assertEquals(60000, train.rows());
    assertEquals(784, train.features());
    int[] counts = new int[10];
    for (int y : train.labels()) {
      counts[y]++;
    }
    int[] expected = new int[10];
    Arrays.fill(expected, 6000);
    assertArrayEquals(expected, counts);
    float min = 1, max = 0;
    for (float v : train.denseFeatures()) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assertEquals(0f, min);
    assertEquals(1f, max);

    // the test set, read once from the gzip file and once from a decompressed copy through file://
    String img = FASHION + "/t10k-images-idx3-ubyte.gz";
    String lab = FASHION + "/t10k-labels-idx1-ubyte.gz";
    DataBlock test = IdxReader.read(img, lab);
    assertEquals(10000, test.rows());
    Path plainImg = dir.resolve("t10k-images");
    try (InputStream in = new GZIPInputStream(Files.newInputStream(Path.of(img)))) {
      Files.copy(in, plainImg);
    }
    DataBlock test2 = IdxReader.read(plainImg.toUri().toString(), lab);
    assertArrayEquals(test.denseFeatures(), test2.denseFeatures());
    assertArrayEquals(test.labels(), test2.labels());
  }

  // ---- malformed inputs: each error names the file and the problem ----

  private DataException fails(String images, String labels) {
    return assertThrows(DataException.class, () -> IdxReader.read(images, labels));
  }

  private void assertNames(DataException e, String file, String... words) {
    assertTrue(e.getMessage().contains(file), e.getMessage());
    for (String w : words) {
      assertTrue(e.getMessage().contains(w), "'" + w + "' missing in: " + e.getMessage());
    }
  }

  @Test
  void missingFile() {
    String lab = write(dir, "l", labels(3, 2));
    String missing = dir.resolve("nope-images").toString();
    assertNames(fails(missing, lab), "nope-images", "file not found");
  }

  @Test
  void aDirectoryIsReportedAsADirectoryNotAsMissing() throws java.io.IOException {
    String lab = write(dir, "l", labels(3, 2));
    String folder = java.nio.file.Files.createDirectories(dir.resolve("images-dir")).toString();
    DataException e = fails(folder, lab);
    assertEquals(folder + ": is a directory; an IDX images file (gzipped or plain) is expected", e.getMessage());
  }

  @Test
  void emptyFile() {
    String img = write(dir, "empty-images", new byte[0]);
    assertNames(fails(img, write(dir, "l", labels(3, 2))), "empty-images", "empty file");
    String gzEmpty = write(dir, "empty.gz", gzip(new byte[0]));
    assertNames(fails(gzEmpty, write(dir, "l2", labels(3, 2))), "empty.gz", "empty file");
  }

  @Test
  void wrongMagic() {
    byte[] bad = images(3, 2, 2);
    bad[0] = 0x12;
    bad[1] = 0x34;
    String img = write(dir, "bad-magic", bad);
    assertNames(fails(img, write(dir, "l", labels(3, 2))), "bad-magic", "wrong magic 0x12340803");
  }

  @Test
  void labelsFileGivenAsImages() {
    String lab = write(dir, "labels-a", labels(3, 2));
    String lab2 = write(dir, "labels-b", labels(3, 2));
    assertNames(fails(lab, lab2), "labels-a", "wrong dimensions", "is this a labels file?");
  }

  @Test
  void imagesFileGivenAsLabels() {
    String img = write(dir, "images-a", images(3, 2, 2));
    String img2 = write(dir, "images-b", images(3, 2, 2));
    assertNames(fails(img, img2), "images-b", "wrong dimensions", "is this an images file?");
  }

  @Test
  void truncatedPlainImages() {
    byte[] img = images(10, 4, 4);
    String cut = write(dir, "cut-images", Arrays.copyOf(img, img.length - 5));
    assertNames(fails(cut, write(dir, "l", labels(10, 2))), "cut-images", "truncated", "10 images of 4x4");
  }

  @Test
  void truncatedGzip() {
    byte[] gz = gzip(images(200, 8, 8));
    String cut = write(dir, "cut.gz", Arrays.copyOf(gz, gz.length / 2));
    assertNames(fails(cut, write(dir, "l", labels(200, 2))), "cut.gz", "truncated gzip stream");
  }

  @Test
  void gzipWhoseDataIsShorterThanTheHeaderSays() {
    byte[] img = images(10, 4, 4);
    String cut = write(dir, "short.gz", gzip(Arrays.copyOf(img, img.length - 16)));
    assertNames(fails(cut, write(dir, "l", labels(10, 2))), "short.gz", "truncated", "10 images of 4x4");
  }

  @Test
  void corruptGzipChecksum() {
    byte[] gz = gzip(images(50, 8, 8));
    gz[gz.length - 8] ^= 0x5A;   // the CRC-32 of the trailer
    String bad = write(dir, "corrupt.gz", gz);
    assertNames(fails(bad, write(dir, "l", labels(50, 2))), "corrupt.gz", "corrupt gzip data");
  }

  @Test
  void countMismatch() {
    String img = write(dir, "img", images(10, 2, 2));
    String lab = write(dir, "lab9", labels(9, 2));
    assertNames(fails(img, lab), "img", "count mismatch", "10 images", "lab9 has 9 labels");
  }

  @Test
  void trailingBytesMeanWrongDimensions() {
    byte[] img = images(4, 2, 2);
    String big = write(dir, "big-images", Arrays.copyOf(img, img.length + 3));
    assertNames(fails(big, write(dir, "l", labels(4, 2))), "big-images", "wrong dimensions", "3 too many");
    String bigGz = write(dir, "big.gz", gzip(Arrays.copyOf(img, img.length + 3)));
    assertNames(fails(bigGz, write(dir, "l2", labels(4, 2))), "big.gz", "wrong dimensions", "continues");
  }

  @Test
  void truncatedHeader() {
    String img = write(dir, "hdr", new byte[] {0, 0, 8, 3, 0, 0});
    assertNames(fails(img, write(dir, "l", labels(1, 2))), "hdr", "truncated IDX header");
  }

  @Test
  void unsupportedDataType() {
    String img = write(dir, "floats", idx(0x00000D03, new int[] {1, 1, 1}, new byte[4]));
    assertNames(fails(img, write(dir, "l", labels(1, 2))), "floats", "unsupported IDX data type 0x0D");
  }

  @Test
  void zeroWidthAndZeroCount() {
    String img = write(dir, "zero-width", idx(IdxReader.IMAGES_MAGIC, new int[] {2, 0, 3}, new byte[0]));
    assertNames(fails(img, write(dir, "l", labels(2, 2))), "zero-width", "wrong dimensions: dimension 1 is 0");
    String none = write(dir, "no-images", idx(IdxReader.IMAGES_MAGIC, new int[] {0, 2, 2}, new byte[0]));
    String noLabels = write(dir, "no-labels", idx(IdxReader.LABELS_MAGIC, new int[] {0}, new byte[0]));
    assertNames(fails(none, noLabels), "no-images", "no rows");
  }
}
