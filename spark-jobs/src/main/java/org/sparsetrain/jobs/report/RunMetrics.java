package org.sparsetrain.jobs.report;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The lines of a run's {@code metrics.jsonl} (see {@code MetricsLog}), grouped by type. Lines of
 * other types are ignored so that older reports keep working when the log grows new kinds of line;
 * a line that is not JSON is an error that names its line number.
 */
public record RunMetrics(List<StepGroup> steps, List<MaskUpdate> maskUpdates, List<Epoch> epochs) {

  /** One {@code "type":"steps"} line: means over the steps {@code fromStep..toStep}. */
  public record StepGroup(long fromStep, long toStep, int epoch, double loss, double accuracy, double lr,
      double stepMs, double computeMs, double driverMs, double overheadMs, double bytesSent, double bytesReceived) {
    public long count() {
      return toStep - fromStep + 1;
    }
  }

  /** One {@code "type":"mask_update"} line: per-layer churn and density after the update. */
  public record MaskUpdate(long step, double[] churn, double[] density, double millis) {}

  /** One {@code "type":"epoch"} line; {@code epoch} is 0-based as in the log. */
  public record Epoch(int epoch, long step, double trainLoss, double trainAccuracy, double evalLoss,
      double evalAccuracy, double[] density, double[] targetDensity, double samplesPerSecond) {}

  static final ObjectMapper JSON = new ObjectMapper()
      .enable(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS);

  public RunMetrics {
    steps = List.copyOf(steps);
    maskUpdates = List.copyOf(maskUpdates);
    epochs = List.copyOf(epochs);
  }

  /** Parses the whole text of a {@code metrics.jsonl}; {@code source} names it in errors. */
  public static RunMetrics parse(String text, String source) throws IOException {
    List<StepGroup> steps = new ArrayList<>();
    List<MaskUpdate> updates = new ArrayList<>();
    List<Epoch> epochs = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty()) {
        continue;
      }
      JsonNode o;
      try {
        o = JSON.readTree(line);
      } catch (JsonProcessingException e) {
        throw new IOException(source + " line " + (i + 1) + " is not JSON: " + e.getOriginalMessage(), e);
      }
      switch (o.path("type").asText("")) {
        case "steps":
          steps.add(new StepGroup(o.path("from_step").asLong(), o.path("to_step").asLong(), o.path("epoch").asInt(),
              num(o, "loss"), num(o, "accuracy"), num(o, "lr"), num(o, "step_ms"), num(o, "compute_ms"),
              num(o, "driver_ms"), num(o, "overhead_ms"), num(o, "bytes_sent_per_step"), num(o, "bytes_received_per_step")));
          break;
        case "mask_update":
          updates.add(new MaskUpdate(o.path("step").asLong(), array(o, "churn"), array(o, "density"), num(o, "millis")));
          break;
        case "epoch":
          epochs.add(new Epoch(o.path("epoch").asInt(), o.path("step").asLong(), num(o, "train_loss"),
              num(o, "train_accuracy"), num(o, "eval_loss"), num(o, "eval_accuracy"), array(o, "density"),
              array(o, "target_density"), num(o, "samples_per_second")));
          break;
        default:
          break;
      }
    }
    return new RunMetrics(steps, updates, epochs);
  }

  /** The number of layers the log speaks of (0 when it has no per-layer arrays). */
  public int layerCount() {
    int n = 0;
    for (Epoch e : epochs) {
      n = Math.max(n, Math.max(e.density().length, e.targetDensity().length));
    }
    for (MaskUpdate u : maskUpdates) {
      n = Math.max(n, Math.max(u.churn().length, u.density().length));
    }
    return n;
  }

  private static double num(JsonNode o, String name) {
    JsonNode v = o.get(name);
    return v == null || !v.isNumber() ? Double.NaN : v.asDouble();
  }

  private static double[] array(JsonNode o, String name) {
    JsonNode a = o.get(name);
    if (a == null || !a.isArray()) {
      return new double[0];
    }
    double[] v = new double[a.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = a.get(i).isNumber() ? a.get(i).asDouble() : Double.NaN;
    }
    return v;
  }
}
