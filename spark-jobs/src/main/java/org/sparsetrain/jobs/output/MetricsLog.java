package org.sparsetrain.jobs.output;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.sparsetrain.training.EpochReport;
import org.sparsetrain.training.MaskUpdateReport;
import org.sparsetrain.training.StepReport;
import org.sparsetrain.training.TrainingListener;

/**
 * {@code metrics.jsonl}: one JSON object per line — {@code "type":"steps"} for each group of
 * steps of one epoch (loss, accuracy, step time split into compute and overhead, bytes per step),
 * {@code "type":"mask_update"} (per-layer churn and density) and {@code "type":"epoch"}
 * (evaluation, densities actual and requested). Written whole to the run's directory after each
 * epoch, so a reader never sees a torn line.
 */
public final class MetricsLog implements TrainingListener {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final RunOutput output;
  private final int group;
  private final StringBuilder lines = new StringBuilder();
  private long from = -1;
  private long last;
  private int groupEpoch;
  private long count;
  private double loss;
  private double acc;
  private double stepMs;
  private double computeMs;
  private double driverMs;
  private double collectiveMs;
  private long collectiveBytes;
  private long sent;
  private long received;
  private double lr;

  public MetricsLog(RunOutput output, int stepsPerGroup, String existing) {
    this.output = output;
    this.group = stepsPerGroup;
    if (existing != null) {
      lines.append(existing);
    }
  }

  /** The lines of an existing metrics.jsonl that describe steps up to {@code step} (for a resumed run). */
  public static String upTo(String existing, long step) {
    StringBuilder kept = new StringBuilder();
    for (String line : existing.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      try {
        var o = JSON.readTree(line);
        long s = o.has("to_step") ? o.get("to_step").asLong() : o.path("step").asLong(Long.MAX_VALUE);
        if (s <= step) {
          kept.append(line).append('\n');
        }
      } catch (IOException e) {
        // a torn line from an interrupted write: drop it
      }
    }
    return kept.toString();
  }

  @Override
  public void onStep(StepReport r) {
    if (count > 0 && r.epoch() != groupEpoch) {
      flushGroup(last, groupEpoch);
    }
    if (from < 0) {
      from = r.step();
      groupEpoch = r.epoch();
    }
    last = r.step();
    count++;
    loss += r.loss();
    acc += r.accuracy();
    stepMs += r.stepMillis();
    computeMs += r.computeMillis();
    driverMs += r.driverMillis();
    collectiveMs += r.collectiveMillis();
    collectiveBytes += r.collectiveBytes();
    sent += r.bytesSent();
    received += r.bytesReceived();
    lr = r.lr();
    if (count == group) {
      flushGroup(r.step(), r.epoch());
    }
  }

  private void flushGroup(long to, int epoch) {
    if (count == 0) {
      return;
    }
    ObjectNode o = JSON.createObjectNode();
    o.put("type", "steps");
    o.put("from_step", from);
    o.put("to_step", to);
    o.put("epoch", epoch);
    o.put("loss", loss / count);
    o.put("accuracy", acc / count);
    o.put("lr", lr);
    o.put("step_ms", stepMs / count);
    o.put("compute_ms", computeMs / count);
    o.put("driver_ms", driverMs / count);
    o.put("collective_ms", collectiveMs / count);
    o.put("overhead_ms", (stepMs - computeMs - collectiveMs) / count);
    o.put("collective_bytes_per_step", collectiveBytes / count);
    o.put("bytes_sent_per_step", sent / count);
    o.put("bytes_received_per_step", received / count);
    add(o);
    from = -1;
    count = 0;
    loss = acc = stepMs = computeMs = driverMs = collectiveMs = 0;
    sent = received = collectiveBytes = 0;
  }

  @Override
  public void onMaskUpdate(MaskUpdateReport r) {
    ObjectNode o = JSON.createObjectNode();
    o.put("type", "mask_update");
    o.put("step", r.step());
    putArray(o, "churn", r.churn());
    putArray(o, "density", r.densities());
    o.put("millis", r.millis());
    add(o);
  }

  @Override
  public void onEpoch(EpochReport r) {
    if (groupEpoch == r.epoch()) {   // a local-SGD round may have run on into the next epoch: its steps wait
      flushGroup(last, r.epoch());
    }
    ObjectNode o = JSON.createObjectNode();
    o.put("type", "epoch");
    o.put("epoch", r.epoch());
    o.put("step", r.step());
    o.put("train_loss", r.trainLoss());
    o.put("train_accuracy", r.trainAccuracy());
    o.put("eval_loss", r.evalLoss());
    o.put("eval_accuracy", r.evalAccuracy());
    putArray(o, "density", r.densities());
    putArray(o, "target_density", r.targetDensities());
    o.put("wall_seconds", r.wallSeconds());
    o.put("samples_per_second", r.samplesPerSecond());
    add(o);
    try {
      output.write(RunOutput.METRICS, lines.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + RunOutput.METRICS + " to " + output.dir(), e);
    }
  }

  /**
   * A sharded run went back to step {@code restoredStep} after losing executors: lines of later
   * steps go, as do the steps of the unfinished group (they are reported again).
   */
  @Override
  public void onRecovery(long lostAt, long restoredStep) {
    String kept = upTo(lines.toString(), restoredStep);
    lines.setLength(0);
    lines.append(kept);
    from = -1;
    count = 0;
    loss = acc = stepMs = computeMs = driverMs = collectiveMs = 0;
    sent = received = collectiveBytes = 0;
  }

  private void add(ObjectNode o) {
    lines.append(o.toString()).append('\n');
  }

  private static void putArray(ObjectNode o, String name, double[] v) {
    var a = o.putArray(name);
    for (double d : v) {
      a.add(d);
    }
  }
}
