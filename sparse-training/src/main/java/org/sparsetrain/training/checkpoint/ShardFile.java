package org.sparsetrain.training.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparsetrain.training.checkpoint.ArrayFile.Kind;

/**
 * One shard of a sharded checkpoint (format version 2, layout {@code sharded}): rows [r0, r1) of
 * one layer, written by the task that owns the shard. Little-endian, version 1:
 * <pre>
 * offset size
 *      0    4  magic "STCS" (0x53 0x54 0x43 0x53)
 *      4    2  shard file version (uint16 LE) = {@link #VERSION}
 *      6    1  flags: bit 0 = sparse layer
 *      7    1  reserved, 0
 *      8    4  layer          12  4  shard index
 *     16    4  r0             20  4  r1 (exclusive)
 *     24    4  in features    28  4  optimizer slots
 *     32    8  nnz (stored weights of these rows)
 *     40       arrays, each an {@link ArrayFile} block (16-byte header, then elements):
 *              sparse only: row pointers (r1-r0+1, from 0), columns (nnz);
 *              values (nnz), bias (r1-r0); per optimizer slot s: slot s of the values (nnz), of the bias (r1-r0)
 * </pre>
 * The manifest records the file's size and CRC32C over every byte; {@link #read} checks both while
 * it decodes. A shard's content is a pure function of the run and step, so a retried or
 * speculative task writes the same bytes.
 */
public final class ShardFile {
  static final byte[] MAGIC = {'S', 'T', 'C', 'S'};
  static final int VERSION = 1;
  static final int HEADER_BYTES = 40;

  private ShardFile() {}

  /**
   * The rows [r0, r1) of layer {@code layer}: local CSR (row pointers from 0; both null for a
   * dense layer), values, bias and the optimizer's slots for both.
   */
  public record Content(int layer, int index, int r0, int r1, int in, int[] rowPtr, int[] colIdx, float[] values,
                        float[] bias, float[][] slots, float[][] biasSlots) {
    public boolean sparse() {
      return rowPtr != null;
    }

    public int rows() {
      return r1 - r0;
    }
  }

  /** What a write produced: the file's byte size and CRC32C. */
  public record Written(long bytes, long crc32c) {}

  /** The byte size of a shard file. */
  public static long sizeFor(boolean sparse, int rows, long nnz, int slots) {
    long size = HEADER_BYTES + (1L + slots) * (ArrayFile.sizeFor(nnz) + ArrayFile.sizeFor(rows));
    return sparse ? size + ArrayFile.sizeFor(rows + 1L) + ArrayFile.sizeFor(nnz) : size;
  }

  /** Writes {@code c} to {@code file} (replacing it). */
  public static Written write(FileSystem fs, Path file, Content c) throws IOException {
    CRC32C crc = new CRC32C();
    try (FSDataOutputStream out = fs.create(file, true)) {
      ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
      h.put(MAGIC).putShort((short) VERSION).put((byte) (c.sparse() ? 1 : 0)).put((byte) 0)
          .putInt(c.layer()).putInt(c.index()).putInt(c.r0()).putInt(c.r1()).putInt(c.in()).putInt(c.slots().length)
          .putLong(c.values().length);
      crc.update(h.array());
      out.write(h.array());
      if (c.sparse()) {
        ArrayFile.writeTo(out, crc, Kind.INT32, c.rowPtr(), null);
        ArrayFile.writeTo(out, crc, Kind.INT32, c.colIdx(), null);
      }
      ArrayFile.writeTo(out, crc, Kind.FLOAT32, null, c.values());
      ArrayFile.writeTo(out, crc, Kind.FLOAT32, null, c.bias());
      for (int s = 0; s < c.slots().length; s++) {
        ArrayFile.writeTo(out, crc, Kind.FLOAT32, null, c.slots()[s]);
        ArrayFile.writeTo(out, crc, Kind.FLOAT32, null, c.biasSlots()[s]);
      }
    }
    return new Written(sizeFor(c.sparse(), c.rows(), c.values().length, c.slots().length), crc.getValue());
  }

  /**
   * Reads the shard the manifest describes, checking the header against it, the row structure,
   * the file's length and its CRC32C; throws {@link CheckpointException} naming the file and the
   * problem (truncated, corrupt, another shard's file).
   *
   * @param layer the manifest's record of the shard's layer
   * @param slots optimizer slots the manifest records
   */
  public static Content read(FileSystem fs, Path dir, Manifest.ShardInfo shard, Manifest.LayerInfo layer, int slots,
                             Manifest.FileEntry entry) throws IOException {
    String label = shard.file();
    CRC32C crc = new CRC32C();
    Content c;
    try (FSDataInputStream in = fs.open(new Path(dir, shard.file()))) {
      byte[] head = new byte[HEADER_BYTES];
      ArrayFile.readFully(in, head, HEADER_BYTES, label);
      crc.update(head);
      checkHeader(ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN), shard, layer, slots, label);
      c = body(in, crc, shard, layer, slots, label);
      if (in.read() != -1) {
        throw new CheckpointException(label + " has bytes after its arrays");
      }
    }
    if (crc.getValue() != entry.crc32c()) {
      throw new CheckpointException(label + " crc32c " + ArrayFile.hex(crc.getValue()) + " != manifest "
          + ArrayFile.hex(entry.crc32c()) + " (corrupt)");
    }
    return c;
  }

  private static void checkHeader(ByteBuffer h, Manifest.ShardInfo shard, Manifest.LayerInfo layer, int slots, String label)
      throws CheckpointException {
    for (int i = 0; i < 4; i++) {
      if (h.get(i) != MAGIC[i]) {
        throw new CheckpointException(label + " is not a sparsetrain shard file (bad magic)");
      }
    }
    int version = Short.toUnsignedInt(h.getShort(4));
    if (version != VERSION) {
      throw new CheckpointException(label + " shard file version " + version + " is not supported (this reader knows "
          + VERSION + ")");
    }
    boolean sparse = (h.get(6) & 1) != 0;
    if (sparse != layer.sparse() || h.getInt(8) != shard.layer() || h.getInt(12) != shard.index()
        || h.getInt(16) != shard.r0() || h.getInt(20) != shard.r1() || h.getInt(24) != layer.in()
        || h.getInt(28) != slots || h.getLong(32) != shard.nnz()) {
      throw new CheckpointException(label + " holds layer " + h.getInt(8) + " shard " + h.getInt(12) + " rows "
          + h.getInt(16) + ".." + h.getInt(20) + " nnz " + h.getLong(32) + ", but the manifest expects layer "
          + shard.layer() + " shard " + shard.index() + " rows " + shard.r0() + ".." + shard.r1() + " nnz " + shard.nnz());
    }
  }

  private static Content body(InputStream in, CRC32C crc, Manifest.ShardInfo shard, Manifest.LayerInfo layer, int slots,
                              String label) throws IOException {
    int rows = shard.r1() - shard.r0();
    long nnz = shard.nnz();
    int[] rowPtr = null;
    int[] colIdx = null;
    if (layer.sparse()) {
      rowPtr = (int[]) ArrayFile.readFrom(in, crc, Kind.INT32, rows + 1L, label + " row pointers");
      colIdx = (int[]) ArrayFile.readFrom(in, crc, Kind.INT32, nnz, label + " columns");
      checkRows(rowPtr, colIdx, layer.in(), label);
    }
    float[] values = (float[]) ArrayFile.readFrom(in, crc, Kind.FLOAT32, nnz, label + " values");
    float[] bias = (float[]) ArrayFile.readFrom(in, crc, Kind.FLOAT32, rows, label + " bias");
    float[][] ws = new float[slots][];
    float[][] bs = new float[slots][];
    for (int s = 0; s < slots; s++) {
      ws[s] = (float[]) ArrayFile.readFrom(in, crc, Kind.FLOAT32, nnz, label + " optimizer slot " + s);
      bs[s] = (float[]) ArrayFile.readFrom(in, crc, Kind.FLOAT32, rows, label + " optimizer bias slot " + s);
    }
    return new Content(shard.layer(), shard.index(), shard.r0(), shard.r1(), layer.in(), rowPtr, colIdx, values, bias,
        ws, bs);
  }

  /** Local CSR: pointers from 0 to nnz, non-decreasing; columns ascending within a row, in [0, in). */
  private static void checkRows(int[] rowPtr, int[] colIdx, int in, String label) throws CheckpointException {
    if (rowPtr[0] != 0 || rowPtr[rowPtr.length - 1] != colIdx.length) {
      throw new CheckpointException(label + " row pointers run " + rowPtr[0] + ".." + rowPtr[rowPtr.length - 1]
          + ", expected 0.." + colIdx.length);
    }
    for (int r = 0; r + 1 < rowPtr.length; r++) {
      if (rowPtr[r + 1] < rowPtr[r]) {
        throw new CheckpointException(label + " row pointers decrease at local row " + r);
      }
      for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
        if (colIdx[k] < 0 || colIdx[k] >= in || (k > rowPtr[r] && colIdx[k] <= colIdx[k - 1])) {
          throw new CheckpointException(label + " columns of local row " + r + " are not ascending in [0, " + in + ")");
        }
      }
    }
  }
}
