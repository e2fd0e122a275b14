package org.sparsetrain.jobs;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.sparsetrain.data.DataException;
import org.sparsetrain.jobs.config.ConfigException;
import org.sparsetrain.jobs.config.JobConfig;
import org.sparsetrain.jobs.output.ExitCodes;
import org.sparsetrain.jobs.report.RunReport;
import org.sparsetrain.jobs.soup.SoupCommand;
import org.sparsetrain.jobs.sweep.SweepCommand;
import org.sparsetrain.training.Evaluation;
import org.sparsetrain.training.checkpoint.SafetensorsExport;
import org.sparsetrain.training.nn.BatchStats;
import org.sparsetrain.training.nn.Fingerprint;
import org.sparsetrain.training.checkpoint.IncompatibleCheckpointException;
import org.sparsetrain.training.spark.DriverMemory;
import org.sparsetrain.training.spark.DriverMemoryException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The one entry point, for {@code scripts/sparsetrain} and {@code spark-submit --class
 * org.sparsetrain.jobs.Main}. Exit codes a scheduler can act on: {@value #OK} success,
 * {@value #USAGE} bad usage or config, including a driver heap too small for the model in
 * {@code distribution.mode=driver} (fix the call, do not retry), {@value #BAD_DATA} bad input
 * data, {@value #IO} file system unreachable or I/O failure (worth a retry), {@value #FAILED} any
 * other failure.
 */
@Command(name = "sparsetrain", mixinStandardHelpOptions = true, version = "sparsetrain 0.1.0",
    description = "Dynamic sparse training of neural networks on Apache Spark.",
    subcommands = {Main.Train.class, Main.Evaluate.class, Main.Export.class, Main.Report.class, SoupCommand.class,
        SweepCommand.class})
public final class Main implements Callable<Integer> {
  // the codes live in ExitCodes, which RunReport's own main shares; kept here for callers of Main
  public static final int OK = ExitCodes.OK;
  public static final int FAILED = ExitCodes.FAILED;
  public static final int USAGE = ExitCodes.USAGE;
  public static final int BAD_DATA = ExitCodes.BAD_DATA;
  public static final int IO = ExitCodes.IO;

  public static void main(String[] args) {
    haltOnOutOfMemory();
    int code = run(args, System.out, System.err);
    if (outOfMemory) {
      Runtime.getRuntime().halt(code);  // shutdown hooks of a heap-starved Spark context can hang
    }
    System.exit(code);
  }

  /** Set when a command ran out of heap on the calling thread. */
  private static volatile boolean outOfMemory;

  /**
   * Makes an {@link OutOfMemoryError} in any thread without its own handler (Spark's scheduler and
   * result threads) print the one-line explanation and halt the JVM with {@value #USAGE}; other
   * uncaught exceptions print as the JVM would.
   */
  public static void haltOnOutOfMemory() {
    Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
      if (e instanceof OutOfMemoryError) {
        // a Spark thread (scheduler, result fetcher) ran out of heap: the context cannot recover, and
        // an orderly exit could wait forever on it
        System.err.println("error: " + DriverMemory.outOfMemory(Runtime.getRuntime().maxMemory()));
        System.err.flush();
        Runtime.getRuntime().halt(USAGE);
      }
      System.err.print("Exception in thread \"" + thread.getName() + "\" ");  // the JVM's own default
      e.printStackTrace(System.err);
    });
  }

  /** Runs a command line and returns its exit code (no System.exit; tests call this). */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    CommandLine cl = new CommandLine(new Main(out, err));
    cl.setOut(new java.io.PrintWriter(out, true));
    cl.setErr(new java.io.PrintWriter(err, true));
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      err.println("error: " + message(e));
      return exitCode(e);
    });
    cl.setParameterExceptionHandler((e, args1) -> {
      err.println("error: " + e.getMessage());
      e.getCommandLine().usage(err);
      return USAGE;
    });
    try {
      return cl.execute(args);
    } catch (OutOfMemoryError e) {
      outOfMemory = true;
      err.println("error: " + DriverMemory.outOfMemory(Runtime.getRuntime().maxMemory()));
      return USAGE;
    }
  }

  private final PrintStream out;
  private final PrintStream err;

  Main(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public Integer call() {
    new CommandLine(this).usage(err);
    return USAGE;
  }

  static int exitCode(Throwable e) {
    if (e instanceof DataException) {
      return BAD_DATA;
    }
    if (e instanceof ConfigException || e instanceof IncompatibleCheckpointException || e instanceof DriverMemoryException) {
      return USAGE;
    }
    if (e instanceof IOException || e instanceof UncheckedIOException) {
      return IO;
    }
    if (e instanceof IllegalArgumentException) {
      return BAD_DATA;
    }
    return FAILED;
  }

  static String message(Throwable e) {
    String m = e.getMessage();
    if (e instanceof UncheckedIOException && e.getCause() != null) {
      m = m + ": " + e.getCause().getMessage();
    }
    return m == null ? e.toString() : m;
  }

  /** Options every job shares. */
  static class ConfigOptions {
    @Option(names = "--config", paramLabel = "FILE.yaml", description = "job config (YAML); any Hadoop path")
    String config;

    @Option(names = "--set", paramLabel = "key=value", description = "override a config key, e.g. --set sparsity.target=0.95 (repeatable)")
    List<String> overrides = new ArrayList<>();

    JobConfig load() {
      return JobConfig.load(config, overrides);
    }
  }

  @Command(name = "train", mixinStandardHelpOptions = true,
      description = {"Train a sparse network and write metrics.jsonl, config.yaml and summary.json to --out.",
          "Exit codes: 0 ok, 1 failure, 2 bad usage/config, 3 bad data, 4 I/O."})
  static final class Train implements Callable<Integer> {
    @CommandLine.ParentCommand Main main;
    @CommandLine.Mixin ConfigOptions config = new ConfigOptions();

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output directory (local path, file://, hdfs:// or s3a://)")
    String out;

    @Option(names = "--resume", description = "continue from the newest valid checkpoint in --out, even if the config changed")
    boolean resume;

    @Option(names = "--master", paramLabel = "URL",
        description = "Spark master when this job starts Spark itself (default: spark-submit's, else local[*])")
    String master;

    @Override
    public Integer call() throws IOException {
      TrainJob.run(config.load(), out, master, resume, main.out);
      return OK;
    }
  }

  /** Options of the jobs that work on a finished (or checkpointed) run directory. */
  static class RunOptions {
    @Option(names = "--run", required = true, paramLabel = "DIR", description = "a run's output directory (any Hadoop path)")
    String run;

    @Option(names = "--set", paramLabel = "key=value", description = "override a key of the run's config, e.g. data.test_images=… (repeatable)")
    List<String> overrides = new ArrayList<>();

    RunModel load() throws IOException {
      return RunModel.load(run, overrides, new org.apache.hadoop.conf.Configuration());
    }
  }

  @Command(name = "evaluate", mixinStandardHelpOptions = true,
      description = {"Evaluate a run's final model (its newest verified checkpoint) on the test data of its config,",
          "or on other data given with --set data.test_images=… --set data.test_labels=…; prints one JSON line.",
          "Exit codes: 0 ok, 1 failure, 2 bad usage/config, 3 bad data, 4 I/O."})
  static final class Evaluate implements Callable<Integer> {
    @CommandLine.ParentCommand Main main;
    @CommandLine.Mixin RunOptions run = new RunOptions();

    @Override
    public Integer call() throws IOException {
      RunModel m = run.load();
      var test = TrainJob.loadBlock(m.config(), new org.apache.hadoop.conf.Configuration(), "test");
      BatchStats s = Evaluation.of(m.network(), test);
      var json = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
          .put("accuracy", s.accuracy()).put("loss", s.meanLoss()).put("rows", s.count()).put("step", m.step())
          .put("model_fingerprint", Fingerprint.of(m.network()));
      main.out.println(json);
      return OK;
    }
  }

  @Command(name = "export", mixinStandardHelpOptions = true,
      description = {"Export a run's final model to safetensors: per layer the dense weight (zeros where masked, F32),",
          "the mask (U8 0/1) and the bias, loadable with safetensors.torch.load_file.",
          "Exit codes: 0 ok, 1 failure, 2 bad usage/config, 4 I/O."})
  static final class Export implements Callable<Integer> {
    @CommandLine.ParentCommand Main main;
    @CommandLine.Mixin RunOptions run = new RunOptions();

    @Option(names = "--out", paramLabel = "FILE", description = "target file (default: RUN/model.safetensors)")
    String out;

    @Override
    public Integer call() throws IOException {
      RunModel m = run.load();
      org.apache.hadoop.fs.Path target = out == null ? m.output().path("model.safetensors") : new org.apache.hadoop.fs.Path(out);
      SafetensorsExport.write(target.getFileSystem(new org.apache.hadoop.conf.Configuration()), target, m.network());
      main.out.println("exported step " + m.step() + " to " + target);
      return OK;
    }
  }

  @Command(name = "report", mixinStandardHelpOptions = true,
      description = {"Write RUN/report/index.html with PNG plots (curves, densities, churn, connectivity of the final model).",
          "Exit codes: 0 ok, 1 failure, 2 bad usage, 4 I/O."})
  static final class Report implements Callable<Integer> {
    @CommandLine.ParentCommand Main main;

    @Option(names = "--run", required = true, paramLabel = "DIR", description = "a run's output directory (any Hadoop path)")
    String run;

    @Override
    public Integer call() throws IOException {
      org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
      org.sparsetrain.training.nn.Network net = null;
      try {
        net = RunModel.load(run, List.of(), conf).network();
      } catch (ConfigException noModel) {
        main.out.println("report without connectivity: " + noModel.getMessage());
      }
      main.out.println("report: " + RunReport.write(run, net, conf).index());
      return OK;
    }
  }
}
