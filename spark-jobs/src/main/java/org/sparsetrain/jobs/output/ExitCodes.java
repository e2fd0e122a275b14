package org.sparsetrain.jobs.output;

/**
 * The exit codes of every command line (the {@code sparsetrain} launcher through
 * {@code org.sparsetrain.jobs.Main}, and {@code RunReport}'s own {@code main}), kept here so that
 * the entry point and the report both depend on them and not on each other. A scheduler can act on
 * them: {@value #OK} success, {@value #USAGE} bad usage or config (fix the call, do not retry),
 * {@value #BAD_DATA} bad input data, {@value #IO} file system unreachable or I/O failure (worth a
 * retry), {@value #FAILED} any other failure.
 */
public final class ExitCodes {
  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int USAGE = 2;
  public static final int BAD_DATA = 3;
  public static final int IO = 4;

  private ExitCodes() {}
}
