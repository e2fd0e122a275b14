package org.sparsetrain.jobs.sweep;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.sparsetrain.jobs.soup.Consoles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sparsetrain sweep}: registered in {@code Main}'s {@code subcommands}. */
@Command(name = "sweep", mixinStandardHelpOptions = true,
    description = {"Run a grid of training runs (sweep.grid in the YAML) into OUT/cells/<cell id>/, then results.parquet,",
        "results.csv and accuracy_vs_sparsity.png. Re-running skips finished cells and re-runs the others (cron-safe).",
        "Exit codes: 0 every cell finished, 1 some cell failed or another failure, 2 bad usage/config, 4 I/O."})
public final class SweepCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--config", required = true, paramLabel = "SWEEP.yaml", description = "sweep file (YAML); any Hadoop path")
  String config;

  @Option(names = "--set", paramLabel = "key=value", description = "override a config key of every cell (repeatable)")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "sweep directory (local path, file://, hdfs:// or s3a://)")
  String out;

  @Option(names = "--master", paramLabel = "URL",
      description = "Spark master when this job starts Spark itself (default: spark-submit's, else local[*])")
  String master;

  @Option(names = "--max-concurrent", paramLabel = "N", description = "cells at once (overrides sweep.max_concurrent)")
  Integer maxConcurrent;

  @Override
  public Integer call() throws IOException {
    List<SweepJob.CellResult> r = SweepJob.run(config, overrides, maxConcurrent, out, master,
        Consoles.of(spec.commandLine().getOut()));
    return r.stream().anyMatch(c -> c.status().equals("failed")) ? 1 : 0;
  }
}
