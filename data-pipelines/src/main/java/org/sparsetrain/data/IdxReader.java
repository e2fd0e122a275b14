package org.sparsetrain.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.spark.HadoopConf;

/**
 * Reads the IDX format of the MNIST family (MNIST, Fashion-MNIST, KMNIST): an images file of
 * unsigned bytes with magic {@code 0x00000803} (count × rows × columns; any count × d₁ × … works)
 * and a labels file with magic {@code 0x00000801} (count). Files may be gzip-compressed or plain;
 * compression is detected from the first two bytes, never from the file name. Every path goes
 * through Hadoop's {@link FileSystem}, so {@code file://}, {@code hdfs://}, {@code s3a://} and plain
 * local paths all work. Pixels are scaled to [0, 1] ({@code byte / 255}).
 *
 * <p>Every problem is a {@link DataException} naming the file: missing file, empty file, wrong
 * magic, wrong dimensions, truncated data or gzip stream, and a count mismatch between the two
 * files.
 */
public final class IdxReader {
  /** Magic of an unsigned-byte images file with 3 dimensions. */
  public static final int IMAGES_MAGIC = 0x00000803;
  /** Magic of an unsigned-byte labels file with 1 dimension. */
  public static final int LABELS_MAGIC = 0x00000801;

  static final int TYPE_UBYTE = 0x08;
  private static final int CHUNK = 1 << 16;
  private static final float[] SCALE = new float[256];

  static {
    for (int i = 0; i < 256; i++) {
      SCALE[i] = i / 255f;
    }
  }

  private IdxReader() {}

  /** The parsed header of an IDX file. {@code dims[0]} is the item count. */
  public record Header(String path, boolean gzip, int magic, int[] dims, long dataOffset) {
    public long count() { return dims[0]; }

    /** Values per item: the product of {@code dims[1..]} (1 for a labels file). */
    public int itemSize() {
      long s = 1;
      for (int i = 1; i < dims.length; i++) {
        s *= dims[i];
      }
      return (int) s;
    }

    /** The dimensions after the count, e.g. {@code 28x28}. */
    String shape() {
      StringBuilder b = new StringBuilder();
      for (int i = 1; i < dims.length; i++) {
        b.append(i > 1 ? "x" : "").append(dims[i]);
      }
      return b.toString();
    }
  }

  /** Reads all rows with a default Hadoop configuration. */
  public static DataBlock read(String imagesPath, String labelsPath) {
    return read(imagesPath, labelsPath, new Configuration());
  }

  /** Reads all rows; the block's first row has global id 0. */
  public static DataBlock read(String imagesPath, String labelsPath, Configuration conf) {
    return read(imagesPath, labelsPath, conf, 0, Integer.MAX_VALUE);
  }

  /**
   * Reads rows [firstRow, firstRow + maxRows) (clipped to the file) into a dense block whose
   * {@code firstRow} is {@code firstRow}. Both headers are checked first: the files must hold the same
   * number of items.
   */
  public static DataBlock read(String imagesPath, String labelsPath, Configuration conf, long firstRow, int maxRows) {
    Header images = imagesHeader(imagesPath, conf);
    Header labels = labelsHeader(labelsPath, conf);
    checkCounts(images, labels);
    if (firstRow < 0 || firstRow > images.count()) {
      throw new IllegalArgumentException("first row " + firstRow + " outside [0, " + images.count() + "]");
    }
    if (maxRows < 0) {
      throw new IllegalArgumentException("maxRows must be >= 0, got " + maxRows);
    }
    int n = (int) Math.min(maxRows, images.count() - firstRow);
    float[] x = readImages(images, conf, firstRow, n);
    int[] y = readLabels(labels, conf, firstRow, n);
    return DataBlock.dense(firstRow, images.itemSize(), x, y);
  }

  /**
   * The files as {@code partitions} blocks read on the executors, one per partition, covering global
   * ids [0, n) contiguously (block p holds rows [n·p/P, n·(p+1)/P)). The driver reads and checks only
   * the two headers; a gzip file is decompressed by every task up to its range. Not cached.
   */
  public static JavaRDD<DataBlock> rdd(JavaSparkContext sc, String imagesPath, String labelsPath, int partitions) {
    if (partitions <= 0) {
      throw new IllegalArgumentException("partitions must be > 0, got " + partitions);
    }
    Configuration conf = sc.hadoopConfiguration();
    long n = checkCounts(imagesHeader(imagesPath, conf), labelsHeader(labelsPath, conf));
    HadoopConf hc = new HadoopConf(conf);
    List<long[]> ranges = new ArrayList<>(partitions);
    for (int p = 0; p < partitions; p++) {
      ranges.add(new long[] {n * p / partitions, n * (p + 1) / partitions});
    }
    return sc.parallelize(ranges, partitions)
        .map(r -> read(imagesPath, labelsPath, hc.get(), r[0], (int) (r[1] - r[0])));
  }

  /** Checks that an images file and a labels file describe the same, non-zero number of items. */
  public static long checkCounts(Header images, Header labels) {
    if (images.count() != labels.count()) {
      throw new DataException(images.path(), "count mismatch: " + images.count() + " images but the labels file "
          + labels.path() + " has " + labels.count() + " labels");
    }
    if (images.count() == 0) {
      throw new DataException(images.path(), "no rows: the header says 0 images");
    }
    return images.count();
  }

  /** Parses and checks an images header (unsigned bytes, 2 or more dimensions). */
  public static Header imagesHeader(String path, Configuration conf) {
    return header(path, conf, true);
  }

  /** Parses and checks a labels header (unsigned bytes, 1 dimension). */
  public static Header labelsHeader(String path, Configuration conf) {
    return header(path, conf, false);
  }

  private static Header header(String path, Configuration conf, boolean images) {
    Path p = new Path(path);
    try {
      FileSystem fs = p.getFileSystem(conf);
      org.apache.hadoop.fs.FileStatus status = fs.getFileStatus(p);
      if (status.isDirectory()) {
        throw new DataException(path, "is a directory; an IDX " + (images ? "images" : "labels") + " file (gzipped or plain) is expected");
      }
      long length = status.getLen();
      if (length == 0) {
        throw new DataException(path, "empty file (0 bytes)");
      }
      Header h;
      boolean gzip;
      try (InputStream raw = fs.open(p)) {
        BufferedInputStream buf = new BufferedInputStream(raw, CHUNK);
        gzip = isGzip(buf);
        InputStream in = gzip ? new GZIPInputStream(buf, CHUNK) : buf;
        h = parseHeader(path, gzip, in, images);
      }
      if (!gzip) {
        long expected = h.dataOffset() + h.count() * h.itemSize();
        if (length < expected) {
          throw new DataException(path, "truncated: the header describes " + describe(h) + " (" + expected
              + " bytes with the header) but the file has " + length + " bytes");
        }
        if (length > expected) {
          throw new DataException(path, "wrong dimensions: the header describes " + describe(h) + " (" + expected
              + " bytes with the header) but the file has " + length + " bytes, " + (length - expected) + " too many");
        }
      }
      return h;
    } catch (FileNotFoundException e) {
      throw new DataException(path, "file not found", e);
    } catch (DataException e) {
      throw e;
    } catch (IOException e) {
      throw ioProblem(path, e);
    }
  }

  static boolean isGzip(BufferedInputStream in) throws IOException {
    in.mark(2);
    int b0 = in.read();
    int b1 = in.read();
    in.reset();
    return b0 == 0x1f && b1 == 0x8b;
  }

  private static Header parseHeader(String path, boolean gzip, InputStream in, boolean images) throws IOException {
    byte[] m = new byte[4];
    int got = readFully(in, m, 0, 4);
    if (got == 0) {
      throw new DataException(path, "empty file: no IDX header" + (gzip ? " inside the gzip stream" : ""));
    }
    if (got < 4) {
      throw new DataException(path, "truncated IDX header: " + got + " of 4 magic bytes");
    }
    int magic = ((m[0] & 0xFF) << 24) | ((m[1] & 0xFF) << 16) | ((m[2] & 0xFF) << 8) | (m[3] & 0xFF);
    int type = m[2] & 0xFF;
    int ndims = m[3] & 0xFF;
    String expected = String.format("0x%08X", images ? IMAGES_MAGIC : LABELS_MAGIC);
    boolean knownType = type == 0x08 || type == 0x09 || type == 0x0B || type == 0x0C || type == 0x0D || type == 0x0E;
    if (m[0] != 0 || m[1] != 0 || !knownType || ndims == 0) {
      throw new DataException(path, String.format("wrong magic 0x%08X: not an IDX %s file (expected %s)",
          magic, images ? "images" : "labels", expected));
    }
    if (type != TYPE_UBYTE) {
      throw new DataException(path, String.format("unsupported IDX data type 0x%02X (magic 0x%08X): only unsigned bytes (0x08) are supported", type, magic));
    }
    if (images && ndims < 2) {
      throw new DataException(path, String.format("wrong dimensions: an images file needs 2 or more dimensions "
          + "(count, rows, columns) but the header (magic 0x%08X) has %d; is this a labels file?", magic, ndims));
    }
    if (!images && ndims != 1) {
      throw new DataException(path, String.format("wrong dimensions: a labels file has 1 dimension but the header "
          + "(magic 0x%08X) has %d; is this an images file?", magic, ndims));
    }
    int[] dims = new int[ndims];
    byte[] d = new byte[4 * ndims];
    got = readFully(in, d, 0, d.length);
    if (got < d.length) {
      throw new DataException(path, "truncated IDX header: " + got + " of " + d.length + " dimension bytes");
    }
    long itemSize = 1;
    for (int i = 0; i < ndims; i++) {
      dims[i] = ((d[4 * i] & 0xFF) << 24) | ((d[4 * i + 1] & 0xFF) << 16) | ((d[4 * i + 2] & 0xFF) << 8) | (d[4 * i + 3] & 0xFF);
      if (dims[i] < 0 || (i > 0 && dims[i] == 0)) {
        throw new DataException(path, "wrong dimensions: dimension " + i + " is " + dims[i]);
      }
      if (i > 0) {
        itemSize *= dims[i];
        if (itemSize > Integer.MAX_VALUE) {
          throw new DataException(path, "wrong dimensions: an item of " + Arrays.toString(Arrays.copyOfRange(dims, 1, i + 1))
              + " values is larger than 2^31");
        }
      }
    }
    return new Header(path, gzip, magic, dims, 4L + 4L * ndims);
  }

  private static String describe(Header h) {
    return h.dims().length == 1 ? h.count() + " labels" : h.count() + " images of " + h.shape();
  }

  /** Pixels of items [first, first + n) as floats in [0, 1], row-major. */
  static float[] readImages(Header h, Configuration conf, long first, int n) {
    int size = h.itemSize();
    long total = (long) n * size;
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(h.path() + ": " + n + " items of " + size + " values do not fit one block; read a range");
    }
    float[] x = new float[(int) total];
    readBytes(h, conf, first, n, (buf, len, pos) -> {
      for (int i = 0; i < len; i++) {
        x[(int) pos + i] = SCALE[buf[i] & 0xFF];
      }
    });
    return x;
  }

  /** Labels of items [first, first + n). */
  static int[] readLabels(Header h, Configuration conf, long first, int n) {
    int[] y = new int[n];
    readBytes(h, conf, first, n, (buf, len, pos) -> {
      for (int i = 0; i < len; i++) {
        y[(int) pos + i] = buf[i] & 0xFF;
      }
    });
    return y;
  }

  private interface ChunkSink {
    void accept(byte[] buf, int len, long position);
  }

  private static void readBytes(Header h, Configuration conf, long first, int n, ChunkSink sink) {
    String path = h.path();
    long size = h.itemSize();
    long skip = h.dataOffset() + first * size;
    long want = n * size;
    Path p = new Path(path);
    try {
      FileSystem fs = p.getFileSystem(conf);
      try (org.apache.hadoop.fs.FSDataInputStream raw = fs.open(p)) {
        InputStream in;
        if (h.gzip()) {
          in = new GZIPInputStream(new BufferedInputStream(raw, CHUNK), CHUNK);
          skipFully(path, in, skip, h);
        } else {
          raw.seek(skip);
          in = new BufferedInputStream(raw, CHUNK);
        }
        byte[] buf = new byte[CHUNK];
        long done = 0;
        while (done < want) {
          int len = (int) Math.min(CHUNK, want - done);
          int got = readFully(in, buf, 0, len);
          if (got > 0) {
            sink.accept(buf, got, done);
          }
          done += got;
          if (got < len) {
            throw new DataException(path, "truncated: the header describes " + describe(h) + " but the data ends after "
                + (first * size + done) + " of " + (h.count() * size) + " bytes");
          }
        }
        if (h.gzip() && first + n == h.count() && in.read() >= 0) {
          throw new DataException(path, "wrong dimensions: the data continues after the " + describe(h) + " the header describes");
        }
      }
    } catch (FileNotFoundException e) {
      throw new DataException(path, "file not found", e);
    } catch (DataException e) {
      throw e;
    } catch (IOException e) {
      throw ioProblem(path, e);
    }
  }

  private static void skipFully(String path, InputStream in, long n, Header h) throws IOException {
    byte[] buf = new byte[CHUNK];
    long left = n;
    while (left > 0) {
      int got = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (got < 0) {
        throw new DataException(path, "truncated: the header describes " + describe(h) + " but the data ends after "
            + (n - left - h.dataOffset()) + " bytes");
      }
      left -= got;
    }
  }

  /** Reads up to len bytes; returns fewer only at the end of the stream. */
  private static int readFully(InputStream in, byte[] b, int off, int len) throws IOException {
    int done = 0;
    while (done < len) {
      int got = in.read(b, off + done, len - done);
      if (got < 0) {
        break;
      }
      done += got;
    }
    return done;
  }

  private static DataException ioProblem(String path, IOException e) {
    if (e instanceof EOFException) {
      return new DataException(path, "truncated gzip stream: the compressed data ends early (" + e.getMessage() + ")", e);
    }
    if (e instanceof ZipException) {
      return new DataException(path, "corrupt gzip data: " + e.getMessage(), e);
    }
    return new DataException(path, "cannot read: " + e, e);
  }
}
