package org.sparsetrain.bench.kernels;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ludovic.netlib.blas.BLAS;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.sparsetrain.training.nn.Init;
import org.sparsetrain.training.nn.Kernels;

/**
 * Turns the JSON results of {@link LayerBenchmark} and {@link KernelsAfterJavaBlasBenchmark} (JMH
 * {@code -rf json -rff FILE}) into Markdown tables, ratios first, after a header naming the machine:
 * date, CPU model and cores, Java, our vector kernels' species, and the BLAS netlib resolves to in
 * this JVM (the JMH forks run with the same classpath and library path, so they resolve the same).
 *
 * <pre>LayerReport results.json</pre>
 */
public final class LayerReport {
  private LayerReport() {}

  /** One benchmark result: its method, parameters, score and error (ms per call). */
  record Result(String method, Map<String, String> params, double score, double error) {
    String param(String name) {
      return params.get(name);
    }
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: LayerReport <JMH results, -rf json>");
    }
    System.out.print(report(read(Path.of(args[0]))));
  }

  static List<Result> read(Path json) throws IOException {
    List<Result> out = new ArrayList<>();
    for (JsonNode b : new ObjectMapper().readTree(json.toFile())) {
      String name = b.get("benchmark").asText();
      Map<String, String> params = new TreeMap<>();
      JsonNode p = b.get("params");
      if (p != null) {
        p.fields().forEachRemaining(e -> params.put(e.getKey(), e.getValue().asText()));
      }
      JsonNode m = b.get("primaryMetric");
      String unit = m.get("scoreUnit").asText();
      if (!unit.equals("ms/op")) {
        throw new IllegalStateException(name + ": expected ms/op, got " + unit);
      }
      double err = m.get("scoreError").asDouble(Double.NaN);
      out.add(new Result(name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1), params,
          m.get("score").asDouble(), err));
    }
    return out;
  }

  static String report(List<Result> results) {
    StringBuilder s = new StringBuilder();
    String blas = blasName();
    s.append(String.format(Locale.ROOT, "# %s, %s, %d cores, Java %s (%s), vector kernels: %s%n", LocalDate.now(), cpuModel(),
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), System.getProperty("java.vm.name"),
        Kernels.describe()));
    s.append(String.format(Locale.ROOT, "# BLAS: %s (%s), OPENBLAS_NUM_THREADS=%s; JMH average time per call, ± its 99.9 %% interval%n",
        blas, blas.endsWith("JNIBLAS") ? "native, via JNI" : "Java fallback: native BLAS not found (apt-get install -y libopenblas0)",
        System.getenv("OPENBLAS_NUM_THREADS")));
    layerTable(s, results);
    afterBlasTable(s, results);
    return s.toString();
  }

  private static void layerTable(StringBuilder s, List<Result> results) {
    Result blas = find(results, "LayerBenchmark.blas");
    Result dense = find(results, "LayerBenchmark.dense");
    List<Result> sparse = results.stream().filter(r -> r.method.equals("LayerBenchmark.sparse"))
        .sorted(Comparator.comparingDouble((Result r) -> Double.parseDouble(r.param("density"))).reversed()).toList();
    if (sparse.isEmpty() && blas == null && dense == null) {
      return;
    }
    Result any = sparse.isEmpty() ? (blas != null ? blas : dense) : sparse.get(0);
    s.append(String.format(Locale.ROOT, "%nForward+backward of one %sx%s layer, batch %s (ms per call):%n%n",
        any.param("out"), any.param("in"), any.param("batch")));
    s.append("| density | nnz | BLAS sgemm ×3 / sparse | sparse (ms) | BLAS sgemm ×3 (ms) | our dense (ms) |\n");
    s.append("|---:|---:|---:|---:|---:|---:|\n");
    for (Result r : sparse) {
      double d = Double.parseDouble(r.param("density"));
      int nnz = Init.nnzFor(d, Integer.parseInt(r.param("in")), Integer.parseInt(r.param("out")));
      s.append(String.format(Locale.ROOT, "| %.2f | %d | %s | %s | %s | %s |%n", d, nnz,
          blas == null ? "" : String.format(Locale.ROOT, "%.1f×", blas.score / r.score), ms(r), ms(blas), ms(dense)));
    }
    if (sparse.isEmpty()) {
      s.append(String.format(Locale.ROOT, "| | | | | %s | %s |%n", ms(blas), ms(dense)));
    }
    if (dense != null && blas != null) {
      s.append(String.format(Locale.ROOT, "%nBLAS sgemm ×3 / our dense layer: %.2f×%n", blas.score / dense.score));
    }
  }

  private static void afterBlasTable(StringBuilder s, List<Result> results) {
    Map<String, Map<String, Result>> byDensity = new TreeMap<>(Comparator.comparingDouble(Double::parseDouble).reversed());
    for (Result r : results) {
      if (r.method.equals("KernelsAfterJavaBlasBenchmark.sparse")) {
        byDensity.computeIfAbsent(r.param("density"), k -> new LinkedHashMap<>()).put(r.param("blasFirst"), r);
      }
    }
    if (byDensity.isEmpty()) {
      return;
    }
    s.append("\nSparse layer alone (1000x1000, batch 128, ms per call) in a fresh JVM and after a BLAS ran sgemm in it:\n\n");
    s.append("| density | after java / fresh | after netlib / fresh | fresh JVM (ms) | after Java BLAS (ms) | after netlib's BLAS (ms) |\n");
    s.append("|---:|---:|---:|---:|---:|---:|\n");
    for (Map.Entry<String, Map<String, Result>> e : byDensity.entrySet()) {
      Result none = e.getValue().get("none");
      Result java = e.getValue().get("java");
      Result netlib = e.getValue().get("netlib");
      s.append(String.format(Locale.ROOT, "| %.2f | %s | %s | %s | %s | %s |%n", Double.parseDouble(e.getKey()),
          ratio(java, none), ratio(netlib, none), ms(none), ms(java), ms(netlib)));
    }
  }

  private static String ratio(Result a, Result b) {
    return a == null || b == null ? "" : String.format(Locale.ROOT, "%.2f×", a.score / b.score);
  }

  private static String ms(Result r) {
    if (r == null) {
      return "";
    }
    return Double.isNaN(r.error) ? String.format(Locale.ROOT, "%.3f", r.score)
        : String.format(Locale.ROOT, "%.3f ± %.3f", r.score, r.error);
  }

  private static Result find(List<Result> results, String method) {
    return results.stream().filter(r -> r.method.equals(method)).findFirst().orElse(null);
  }

  private static String blasName() {
    try {
      return BLAS.getInstance().getClass().getName();
    } catch (Throwable t) {
      return "none (" + t + ")";
    }
  }

  static String cpuModel() {
    File f = new File("/proc/cpuinfo");
    if (f.canRead()) {
      try {
        for (String line : Files.readAllLines(f.toPath())) {
          if (line.startsWith("model name")) {
            return line.substring(line.indexOf(':') + 1).trim();
          }
        }
      } catch (IOException e) {
        // fall through
      }
    }
    return System.getProperty("os.arch");
  }
}
