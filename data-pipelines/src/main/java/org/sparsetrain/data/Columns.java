package org.sparsetrain.data;

import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Column names of the data frames this module reads and writes. The readers return
 * {@link #RAW_SCHEMA}: {@code features} (an ml.linalg vector, null when the row could not be
 * parsed), {@code label} (double), {@code _file} (the file the row came from) and {@code _problem}
 * (null for a good row, else what is wrong with it). {@link Validator} turns that into
 * {@link #SCHEMA}: just {@code features} and {@code label}.
 */
public final class Columns {
  private Columns() {}

  public static final String FEATURES = "features";
  public static final String LABEL = "label";
  public static final String FILE = "_file";
  public static final String PROBLEM = "_problem";

  /** What the readers produce. */
  public static final StructType RAW_SCHEMA = new StructType()
      .add(FEATURES, SQLDataTypes.VectorType(), true)
      .add(LABEL, DataTypes.DoubleType, false)
      .add(FILE, DataTypes.StringType, true)
      .add(PROBLEM, DataTypes.StringType, true);

  /** What validation produces and the packer, the splitter and the scaler consume. */
  public static final StructType SCHEMA = new StructType()
      .add(FEATURES, SQLDataTypes.VectorType(), false)
      .add(LABEL, DataTypes.DoubleType, false);
}
