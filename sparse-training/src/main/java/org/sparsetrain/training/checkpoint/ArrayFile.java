package org.sparsetrain.training.checkpoint;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One array of a checkpoint as a little-endian binary file, version 1:
 * <pre>
 * offset size
 *      0    4  magic "STCA" (0x53 0x54 0x43 0x41)
 *      4    2  format version (uint16 LE) = {@link #VERSION}
 *      6    1  element kind: 1 = int32, 2 = float32 (IEEE 754 bits, NaN payloads kept)
 *      7    1  reserved, 0
 *      8    8  element count (int64 LE)
 *     16  4·n  elements, little-endian
 * </pre>
 * The manifest records each file's byte size and CRC32C over the whole file (header included);
 * {@link #read} recomputes the CRC while it decodes, so a file is verified and loaded in one pass.
 */
final class ArrayFile {
  static final byte[] MAGIC = {'S', 'T', 'C', 'A'};
  static final int VERSION = 1;
  static final int HEADER_BYTES = 16;
  private static final int CHUNK_ELEMENTS = 16 * 1024;

  private ArrayFile() {}

  /** Element type of an array file. */
  enum Kind {
    INT32(1), FLOAT32(2);

    final int code;

    Kind(int code) {
      this.code = code;
    }

    static Kind of(int code) {
      for (Kind k : values()) {
        if (k.code == code) {
          return k;
        }
      }
      return null;
    }
  }

  /** What was written: byte size and CRC32C of the whole file. */
  record Written(String name, long bytes, long crc32c) {}

  static long sizeFor(long count) {
    return HEADER_BYTES + 4L * count;
  }

  static Written writeInts(FileSystem fs, Path file, int[] a) throws IOException {
    return write(fs, file, Kind.INT32, a, null);
  }

  static Written writeFloats(FileSystem fs, Path file, float[] a) throws IOException {
    return write(fs, file, Kind.FLOAT32, null, a);
  }

  private static Written write(FileSystem fs, Path file, Kind kind, int[] ints, float[] floats) throws IOException {
    int n = ints != null ? ints.length : floats.length;
    CRC32C crc = new CRC32C();
    try (FSDataOutputStream out = fs.create(file, true)) {
      writeTo(out, crc, kind, ints, floats);
    }
    return new Written(file.getName(), sizeFor(n), crc.getValue());
  }

  /** Writes one array (header and elements) to {@code out}, adding its bytes to {@code crc}. */
  static void writeTo(OutputStream out, CRC32C crc, Kind kind, int[] ints, float[] floats) throws IOException {
    int n = ints != null ? ints.length : floats.length;
    ByteBuffer head = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    head.put(MAGIC).putShort((short) VERSION).put((byte) kind.code).put((byte) 0).putLong(n);
    emit(out, crc, head.array(), HEADER_BYTES);
    ByteBuffer buf = ByteBuffer.allocate(4 * Math.min(Math.max(n, 1), CHUNK_ELEMENTS)).order(ByteOrder.LITTLE_ENDIAN);
    for (int from = 0; from < n; from += CHUNK_ELEMENTS) {
      int to = Math.min(n, from + CHUNK_ELEMENTS);
      buf.clear();
      if (ints != null) {
        buf.asIntBuffer().put(ints, from, to - from);
      } else {
        for (int i = from; i < to; i++) {
          buf.putInt((i - from) * 4, Float.floatToRawIntBits(floats[i]));
        }
      }
      emit(out, crc, buf.array(), (to - from) * 4);
    }
  }

  private static void emit(OutputStream out, CRC32C crc, byte[] b, int len) throws IOException {
    crc.update(b, 0, len);
    out.write(b, 0, len);
  }

  /**
   * Reads an array of the expected kind and length, checking the header, the size and the CRC32C
   * recorded in the manifest. Throws {@link CheckpointException} with a message naming the file
   * on any mismatch.
   */
  static Object read(FileSystem fs, Path file, Kind kind, long expectedCount, long expectedCrc, String label)
      throws IOException {
    CRC32C crc = new CRC32C();
    Object a;
    try (FSDataInputStream in = fs.open(file)) {
      a = readFrom(in, crc, kind, expectedCount, label);
      if (in.read() != -1) {
        throw new CheckpointException(label + " has bytes after its " + expectedCount + " elements");
      }
    }
    if (crc.getValue() != expectedCrc) {
      throw new CheckpointException(label + " crc32c " + hex(crc.getValue()) + " != manifest " + hex(expectedCrc) + " (corrupt)");
    }
    return a;
  }

  /**
   * Reads one array (header and elements) of the expected kind and length from {@code in}, adding
   * its bytes to {@code crc}; an {@code int[]} or a {@code float[]}.
   */
  static Object readFrom(InputStream in, CRC32C crc, Kind kind, long expectedCount, String label) throws IOException {
    if (expectedCount > Integer.MAX_VALUE - 16) {
      throw new CheckpointException(label + " " + expectedCount + " elements do not fit a Java array");
    }
    int n = (int) expectedCount;
    int[] ints = kind == Kind.INT32 ? new int[n] : null;
    float[] floats = kind == Kind.FLOAT32 ? new float[n] : null;
    byte[] head = new byte[HEADER_BYTES];
    readFully(in, head, HEADER_BYTES, label);
    crc.update(head, 0, HEADER_BYTES);
    ByteBuffer h = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 4; i++) {
      if (head[i] != MAGIC[i]) {
        throw new CheckpointException(label + " not a sparsetrain array file (bad magic)");
      }
    }
    int version = Short.toUnsignedInt(h.getShort(4));
    if (version != VERSION) {
      throw new CheckpointException(label + " array format version " + version + " is not supported (this reader knows " + VERSION + ")");
    }
    Kind k = Kind.of(head[6]);
    if (k != kind) {
      throw new CheckpointException(label + " holds " + (k == null ? "unknown kind " + head[6] : k) + ", expected " + kind);
    }
    long count = h.getLong(8);
    if (count != expectedCount) {
      throw new CheckpointException(label + " holds " + count + " elements, manifest says " + expectedCount);
    }
    byte[] buf = new byte[4 * Math.min(Math.max(n, 1), CHUNK_ELEMENTS)];
    ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
    for (int from = 0; from < n; from += CHUNK_ELEMENTS) {
      int len = Math.min(n - from, CHUNK_ELEMENTS);
      readFully(in, buf, 4 * len, label);
      crc.update(buf, 0, 4 * len);
      for (int i = 0; i < len; i++) {
        int bits = bb.getInt(4 * i);
        if (ints != null) {
          ints[from + i] = bits;
        } else {
          floats[from + i] = Float.intBitsToFloat(bits);
        }
      }
    }
    return ints != null ? ints : floats;
  }

  /** CRC32C of a whole file, streaming. */
  static long crcOf(FileSystem fs, Path file) throws IOException {
    CRC32C crc = new CRC32C();
    byte[] buf = new byte[64 * 1024];
    try (InputStream in = fs.open(file)) {
      int r;
      while ((r = in.read(buf)) > 0) {
        crc.update(buf, 0, r);
      }
    }
    return crc.getValue();
  }

  static void readFully(InputStream in, byte[] b, int len, String label) throws IOException {
    int off = 0;
    while (off < len) {
      int r = in.read(b, off, len - off);
      if (r < 0) {
        throw new CheckpointException(label + " ends early (truncated)", new EOFException());
      }
      off += r;
    }
  }

  static String hex(long crc) {
    return String.format("%08x", crc);
  }
}
