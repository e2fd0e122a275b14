package org.sparsetrain.data;

import java.io.Serializable;
import java.util.List;

/**
 * How to read Parquet: the label column (numeric), and the features either as one existing column
 * (an ml.linalg vector, kept dense or sparse as stored, or an array of numbers) or as a list of
 * numeric columns assembled into a dense vector.
 */
public record ParquetOptions(String label, String vectorColumn, List<String> numericColumns) implements Serializable {
  public ParquetOptions {
    if (label == null || label.isEmpty()) {
      throw new IllegalArgumentException("the label column must be named");
    }
    numericColumns = numericColumns == null ? null : List.copyOf(numericColumns);
    if ((vectorColumn == null) == (numericColumns == null)) {
      throw new IllegalArgumentException("give either a vector column or numeric feature columns");
    }
    if (numericColumns != null && numericColumns.isEmpty()) {
      throw new IllegalArgumentException("the list of feature columns is empty");
    }
  }

  /** Features from one vector (or array) column. */
  public static ParquetOptions vector(String vectorColumn, String label) {
    return new ParquetOptions(label, vectorColumn, null);
  }

  /** Features assembled from numeric columns, in the given order. */
  public static ParquetOptions columns(String label, String... featureColumns) {
    return new ParquetOptions(label, null, List.of(featureColumns));
  }
}
