package org.sparsetrain.data;

import java.io.Serializable;
import java.util.List;

/**
 * How to read a CSV file: the label column by name; the feature columns by name, by a half-open
 * range of column indices {@code [from, to)}, or (the default) every column except the label;
 * whether the first line is a header (default true; without one the columns are named
 * {@code _c0, _c1, …}); and the separator (default {@code ,}).
 */
public record CsvOptions(String label, List<String> featureNames, int fromIndex, int toIndex, boolean header,
                         String separator) implements Serializable {
  public CsvOptions {
    if (label == null || label.isEmpty()) {
      throw new IllegalArgumentException("the label column must be named");
    }
    featureNames = featureNames == null ? null : List.copyOf(featureNames);
    if (featureNames != null && fromIndex >= 0) {
      throw new IllegalArgumentException("give feature columns by name or by index range, not both");
    }
    if (fromIndex >= 0 && toIndex <= fromIndex) {
      throw new IllegalArgumentException("feature column range [" + fromIndex + ", " + toIndex + ") is empty");
    }
    if (separator == null || separator.isEmpty()) {
      throw new IllegalArgumentException("the separator must not be empty");
    }
  }

  /** Label column {@code label}; every other column is a feature; header line; comma separated. */
  public static CsvOptions label(String label) {
    return new CsvOptions(label, null, -1, -1, true, ",");
  }

  public CsvOptions features(String... names) {
    return new CsvOptions(label, List.of(names), -1, -1, header, separator);
  }

  /** Feature columns {@code [from, to)} by 0-based column index. */
  public CsvOptions featureRange(int from, int to) {
    return new CsvOptions(label, null, from, to, header, separator);
  }

  public CsvOptions header(boolean hasHeader) {
    return new CsvOptions(label, featureNames, fromIndex, toIndex, hasHeader, separator);
  }

  public CsvOptions separator(String sep) {
    return new CsvOptions(label, featureNames, fromIndex, toIndex, header, sep);
  }
}
