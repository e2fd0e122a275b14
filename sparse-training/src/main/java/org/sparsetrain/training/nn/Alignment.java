package org.sparsetrain.training.nn;

import java.lang.reflect.Field;
import sun.misc.Unsafe;

/**
 * Where a {@code float[]}'s data meets a 64-byte boundary (a cache line). A 16-float vector load
 * from a row that starts on a line reads one line, from any other start two: measured at
 * 1000×1000, batch 128, the forward takes 4.0 ns per non-zero with its x rows on lines and 6.1–6.8
 * otherwise. A Java array's data starts 16 bytes after an object that is only 8-byte aligned, so
 * the layers' activations keep their rows from an offset into a padded array ({@link #offset}).
 *
 * <p>The JDK does not tell an array's address; this reads it through {@code sun.misc.Unsafe}
 * (module jdk.unsupported), as the reference stored in an {@code Object[]}. The answer holds until
 * the GC moves the array, and callers only index the array at the offset, so a move costs speed,
 * never a wrong result. When the address cannot be read (no Unsafe, a reference layout not
 * recognised) every offset is 0, which is where the data would be without this class.
 */
public final class Alignment {
  private Alignment() {}

  /** Floats per 64-byte cache line: the padding an array needs for any offset. */
  public static final int LINE_FLOATS = 16;

  private static final Unsafe U = unsafe();
  private static final long REF_BASE = U == null ? 0 : U.arrayBaseOffset(Object[].class);
  private static final int REF_SIZE = U == null ? 0 : U.arrayIndexScale(Object[].class);
  static final long FLOAT_BASE = U == null ? 0 : U.arrayBaseOffset(float[].class);
  /** How far a compressed reference is shifted to give the address; -1 when the layout is unknown. */
  private static final int SHIFT = U == null ? -1 : shift();

  /** Whether offsets come from the arrays' addresses (else they are all 0). */
  public static boolean known() {
    return SHIFT >= 0;
  }

  /**
   * The index in [0, 16) at which {@code a}'s elements start on a 64-byte boundary now (0 when
   * unknown). An array used from that offset needs {@link #LINE_FLOATS} floats beyond its data.
   */
  public static int offset(float[] a) {
    if (!known()) {
      return 0;
    }
    long data = address(a) + FLOAT_BASE;
    return (int) ((-data & 63) / Float.BYTES);
  }

  /**
   * The object's address mod 64 is all that matters: a compressed reference is (address − base)
   * >> shift, and the heap's base, when not 0, is aligned to far more than 64 bytes.
   */
  private static long address(Object o) {
    Object[] holder = {o};
    if (REF_SIZE == 4) {
      return (U.getInt(holder, REF_BASE) & 0xFFFF_FFFFL) << SHIFT;
    }
    return U.getLong(holder, REF_BASE);
  }

  private static Unsafe unsafe() {
    try {
      Field f = Unsafe.class.getDeclaredField("theUnsafe");
      f.setAccessible(true);
      return (Unsafe) f.get(null);
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return null;
    }
  }

  /**
   * The shift of compressed references, read from the running JVM rather than from its flags: it is
   * 0 when the heap ends below 4 GB ("unscaled") and log2(ObjectAlignmentInBytes) otherwise, which
   * no public API tells apart. Two arrays allocated one after the other lie next to each other (bump
   * allocation in the thread's buffer), so their references differ by the first one's size in
   * bytes, shifted; a size of 256 bytes is a multiple of every allowed object alignment. The
   * distance that most of 9 pairs agree on decides; -1 when none does or it is not a power of two.
   * Uncompressed (8-byte) references are addresses: shift 0.
   */
  private static int shift() {
    if (REF_SIZE == 8) {
      return 0;
    }
    if (REF_SIZE != 4) {
      return -1;
    }
    int size = 256;
    int len = size - U.arrayBaseOffset(byte[].class);
    int pairs = 9;
    long[] diffs = new long[pairs];
    for (int i = 0; i < pairs; i++) {
      Object[] pair = new Object[2];
      pair[0] = new byte[len];
      pair[1] = new byte[len];
      diffs[i] = (U.getInt(pair, REF_BASE + 4) & 0xFFFF_FFFFL) - (U.getInt(pair, REF_BASE) & 0xFFFF_FFFFL);
    }
    for (long d : diffs) {
      int votes = 0;
      for (long e : diffs) {
        votes += d == e ? 1 : 0;
      }
      if (2 * votes > pairs) {
        return d > 0 && d <= size && Long.bitCount(d) == 1 ? Long.numberOfTrailingZeros(size / d) : -1;
      }
    }
    return -1;
  }
}
