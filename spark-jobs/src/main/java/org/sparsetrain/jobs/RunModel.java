package org.sparsetrain.jobs;

import java.io.IOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.sparsetrain.jobs.config.ConfigException;
import org.sparsetrain.jobs.config.JobConfig;
import org.sparsetrain.jobs.output.RunOutput;
import org.sparsetrain.training.checkpoint.Checkpoint;
import org.sparsetrain.training.checkpoint.CheckpointStore;
import org.sparsetrain.training.checkpoint.RestoredCheckpoint;
import org.sparsetrain.training.nn.Network;

/**
 * The model a run directory holds: its newest checkpoint whose manifest and checksums verify
 * (the final one for a finished run), and the run's resolved config.
 */
public record RunModel(Network network, long step, JobConfig config, RunOutput output) {
  /** Loads the model of {@code runDir}; {@code overrides} apply to the run's saved config. */
  public static RunModel load(String runDir, List<String> overrides, Configuration conf) throws IOException {
    RunOutput out = RunOutput.open(runDir, conf);
    if (!out.exists(RunOutput.CONFIG)) {
      throw new ConfigException(runDir + " is not a sparsetrain run directory (no " + RunOutput.CONFIG + ")");
    }
    JobConfig cfg = JobConfig.load(out.path(RunOutput.CONFIG).toString(), overrides);
    CheckpointStore store = CheckpointStore.forRun(out.fs(), out.dir());
    CheckpointStore.Scan scan = store.latestValid();
    if (scan.dir() == null) {
      throw new ConfigException(runDir + " holds no checkpoint that verifies"
          + (scan.problems().isEmpty() ? "" : ": " + String.join("; ", scan.problems())));
    }
    RestoredCheckpoint c = Checkpoint.read(out.fs(), scan.dir(), null);
    return new RunModel(c.network(), c.step(), cfg, out);
  }
}
