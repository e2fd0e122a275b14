package org.sparsetrain.training.checkpoint;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names and constants of the checkpoint format (versions 1 and 2). A checkpoint directory holds one folder per
 * committed step:
 * <pre>
 * checkpoints/
 *   step-000001200/                  committed (its manifest.json verifies)
 *     manifest.json                  written last: the commit record, see {@link Manifest}
 *     rowptr.l0.bin  colidx.l0.bin   CSR structure of a sparse layer (absent for a dense layer)
 *     values.l0.bin  bias.l0.bin     weights aligned with colidx, bias
 *     opt0.values.l0.bin …           optimizer slot s for the weights / the bias of layer l
 *     opt0.bias.l0.bin …
 *   _tmp-step-000001400/             being written (HDFS, local disk): renamed into place when complete
 * </pre>
 * A sharded run's checkpoint (format version 2, layout {@code sharded}) holds instead one
 * {@link ShardFile} per shard, {@code shard.l0.s0.bin …}, written by the executors, and the same
 * manifest, written last by the driver.
 * Every {@code .bin} file is an {@link ArrayFile}. Readers ignore names starting with {@code _}.
 */
public final class CheckpointFormat {
  private CheckpointFormat() {}

  /** The manifest's {@code format} value. */
  public static final String FORMAT_NAME = "sparsetrain-checkpoint";
  /**
   * The newest manifest format version this code reads and writes: 2 adds the sharded layout.
   * Readers accept versions up to this one; layout {@code full} is still written as version 1.
   */
  public static final int FORMAT_VERSION = 2;
  /** The manifest format version of a layout: 1 for {@link #LAYOUT_FULL} (unchanged since 1), 2 for {@link #LAYOUT_SHARDED}. */
  static int versionOf(String layout) {
    return layout.equals(LAYOUT_SHARDED) ? 2 : 1;
  }
  /** One array file per layer array, the whole model written by one JVM. */
  public static final String LAYOUT_FULL = "full";
  /** One {@link ShardFile} per (layer, row shard), written by the shards' owners. */
  public static final String LAYOUT_SHARDED = "sharded";
  public static final String MANIFEST = "manifest.json";
  public static final String TMP_PREFIX = "_tmp-";
  public static final String OLD_PREFIX = "_old-";

  private static final Pattern STEP = Pattern.compile("step-(\\d{9,18})");

  /** {@code step-000001234}: zero-padded so names sort by step. */
  public static String stepDirName(long step) {
    if (step < 0) {
      throw new IllegalArgumentException("step must be >= 0, got " + step);
    }
    return String.format("step-%09d", step);
  }

  /** The step of a committed step folder name, or -1 when the name is not one. */
  public static long parseStepDirName(String name) {
    Matcher m = STEP.matcher(name);
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }

  /** The step of a {@code _tmp-step-…} folder name, or -1. */
  public static long parseTmpDirName(String name) {
    return name.startsWith(TMP_PREFIX) ? parseStepDirName(name.substring(TMP_PREFIX.length())) : -1;
  }

  static String rowPtrFile(int l) { return "rowptr.l" + l + ".bin"; }
  static String colIdxFile(int l) { return "colidx.l" + l + ".bin"; }
  static String valuesFile(int l) { return "values.l" + l + ".bin"; }
  static String biasFile(int l) { return "bias.l" + l + ".bin"; }
  static String slotValuesFile(int l, int s) { return "opt" + s + ".values.l" + l + ".bin"; }
  static String slotBiasFile(int l, int s) { return "opt" + s + ".bias.l" + l + ".bin"; }
  /** The file of shard j of layer l in a sharded checkpoint. */
  public static String shardFile(int l, int j) { return "shard.l" + l + ".s" + j + ".bin"; }
}
