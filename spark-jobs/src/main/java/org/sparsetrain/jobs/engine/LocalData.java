package org.sparsetrain.jobs.engine;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.sparsetrain.data.IdxReader;
import org.sparsetrain.data.SyntheticTeacher;
import org.sparsetrain.data.Validator;
import org.sparsetrain.jobs.config.JobConfig;
import org.sparsetrain.training.data.DataBlock;

/**
 * Reads a split of the data a config names into one block in this JVM, checked against the model:
 * what the {@code local} engine trains on and what {@code evaluate} and the soup jobs read. Lives
 * beside the engines so that they need nothing from the jobs that open them.
 */
public final class LocalData {
  private LocalData() {}

  /** Reads one split ({@code train} or {@code test}) into a block, checked against the model. */
  public static DataBlock read(JobConfig cfg, Configuration hadoop, String which) throws IOException {
    int[] layers = cfg.getIntArray("model.layers");
    int features = layers[0];
    int classes = layers[layers.length - 1];
    DataBlock block;
    switch (cfg.getString("data.format")) {
      case "idx":
        block = IdxReader.read(cfg.getString("data." + which + "_images"), cfg.getString("data." + which + "_labels"), hadoop);
        break;
      case "synthetic": {
        long rows = cfg.getLong("data.synthetic_rows");
        long testRows = cfg.getLong("data.synthetic_test_rows");
        checkIntRows(cfg, rows, "data.synthetic_rows");
        checkIntRows(cfg, testRows, "data.synthetic_test_rows");
        long seed = cfg.getLong("training.seed");
        if (which.equals("train")) {
          block = SyntheticTeacher.generate((int) rows, features, classes, seed, 0);
        } else {
          DataBlock t = SyntheticTeacher.generate((int) testRows, features, classes, seed, rows);
          block = DataBlock.dense(0, features, t.denseFeatures(), t.labels());
        }
        break;
      }
      default:
        throw cfg.invalid("unknown data.format '" + cfg.getString("data.format") + "' (known: idx, synthetic)");
    }
    int limit = cfg.getInt("data.limit_" + which);
    if (limit > 0) {
      block = block.head(limit);
    }
    Validator.check(block, describe(cfg, which), features, classes);
    return block;
  }

  private static void checkIntRows(JobConfig cfg, long rows, String key) {
    if (rows <= 0 || rows > Integer.MAX_VALUE) {
      throw cfg.invalid(key + " must be in [1, " + Integer.MAX_VALUE + "] for a single-JVM run, got " + rows);
    }
  }

  private static String describe(JobConfig cfg, String which) {
    return cfg.getString("data.format").equals("idx") ? cfg.getString("data." + which + "_images") : "synthetic " + which + " data";
  }
}
