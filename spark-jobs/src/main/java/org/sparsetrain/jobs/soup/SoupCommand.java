package org.sparsetrain.jobs.soup;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.sparsetrain.jobs.config.JobConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sparsetrain soup}: registered in {@code Main}'s {@code subcommands}. */
@Command(name = "soup", mixinStandardHelpOptions = true,
    description = {"Sparse Model Soups: IMP in soup.phases phases to sparsity.target; per phase soup.ingredients retrain",
        "concurrently from the pruned model, then uniform and greedy soups; writes config.yaml, soup.json, summary.json.",
        "Exit codes: 0 ok, 1 failure, 2 bad usage/config, 3 bad data, 4 I/O."})
public final class SoupCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE.yaml", description = "job config (YAML); any Hadoop path")
  String config;

  @Option(names = "--set", paramLabel = "key=value", description = "override a config key, e.g. --set soup.ingredients=8 (repeatable)")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "output directory (local path, file://, hdfs:// or s3a://)")
  String out;

  @Option(names = "--master", paramLabel = "URL",
      description = "Spark master when this job starts Spark itself (default: spark-submit's, else local[*])")
  String master;

  @Override
  public Integer call() throws IOException {
    SoupJob.run(JobConfig.load(config, overrides), out, master, Consoles.of(spec.commandLine().getOut()));
    return 0;
  }
}
