package org.sparsetrain.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small IDX files for tests. */
final class IdxFiles {
  private IdxFiles() {}

  /** IDX bytes: magic, dimensions, then the data bytes. */
  static byte[] idx(int magic, int[] dims, byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
    b.putInt(magic);
    for (int d : dims) {
      b.putInt(d);
    }
    b.put(data);
    return b.array();
  }

  /** Images with pixel (i, p) = (i * 31 + p * 7) mod 256. */
  static byte[] images(int count, int rows, int cols) {
    byte[] data = new byte[count * rows * cols];
    for (int i = 0; i < count; i++) {
      for (int p = 0; p < rows * cols; p++) {
        data[i * rows * cols + p] = (byte) pixel(i, p);
      }
    }
    return idx(IdxReader.IMAGES_MAGIC, new int[] {count, rows, cols}, data);
  }

  static int pixel(int i, int p) {
    return (i * 31 + p * 7) % 256;
  }

  /** Labels i mod classes. */
  static byte[] labels(int count, int classes) {
    byte[] data = new byte[count];
    for (int i = 0; i < count; i++) {
      data[i] = (byte) (i % classes);
    }
    return idx(IdxReader.LABELS_MAGIC, new int[] {count}, data);
  }

  static byte[] gzip(byte[] raw) {
    try {
      ByteArrayOutputStream bos = new ByteArrayOutputStream();
      try (OutputStream gz = new GZIPOutputStream(bos)) {
        gz.write(raw);
      }
      return bos.toByteArray();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static String write(Path dir, String name, byte[] bytes) {
    try {
      Path p = dir.resolve(name);
      Files.write(p, bytes);
      return p.toString();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
