package org.sparsetrain.data;

/**
 * Bad input data: names the source (a file, a directory or a data set name), the row when one row
 * is at fault (0-based, in file order, which is also the global row id the packed blocks use) and
 * the problem, e.g. {@code /data/train.csv: row 17: label 10 outside [0, 10)}.
 */
public class DataException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final long row;
  private final String problem;

  public DataException(String source, String problem) {
    this(source, -1, problem, null);
  }

  public DataException(String source, String problem, Throwable cause) {
    this(source, -1, problem, cause);
  }

  public DataException(String source, long row, String problem) {
    this(source, row, problem, null);
  }

  public DataException(String source, long row, String problem, Throwable cause) {
    super(format(source, row, problem), cause);
    this.source = source;
    this.row = row;
    this.problem = problem;
  }

  static String format(String source, long row, String problem) {
    return row >= 0 ? source + ": row " + row + ": " + problem : source + ": " + problem;
  }

  /** The file or data set at fault. */
  public String source() { return source; }

  /** The 0-based row at fault, or -1 when the problem is not one row's. */
  public long row() { return row; }

  /** What is wrong, without the source and row. */
  public String problem() { return problem; }
}
