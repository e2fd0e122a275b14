package org.sparsetrain.jobs.sweep;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparsetrain.jobs.config.ConfigException;
import org.sparsetrain.jobs.config.ConfigKeys;
import org.sparsetrain.jobs.config.JobConfig;

/**
 * A sweep file: a {@code sweep} section and, beside it, inline config keys shared by every cell.
 *
 * <pre>
 * sweep:
 *   base: conf/fashion-mnist-set.yaml    # optional base config (any Hadoop path)
 *   max_concurrent: 2                    # cells running at once (default 1)
 *   grid:                                # any config keys, each a list of values
 *     sparsity.method: [set, rigl]
 *     sparsity.target: [0.8, 0.9]
 *     training.seed: [1, 2]
 * training:                              # inline keys, over the base (and under --set)
 *   epochs: 3
 * </pre>
 *
 * The grid expands to the Cartesian product in file order (the last key varies fastest). Each
 * cell's config is the base, then the inline keys, then {@code --set}, then the cell's values,
 * resolved and checked by {@link JobConfig} before any cell runs. A cell's id is stable: its
 * values in readable form plus a hash of the canonical {@code key=value} list, so the same grid
 * point always maps to the same directory, whatever the other grid entries are.
 */
public record SweepSpec(String source, JobConfig base, Map<String, List<JsonNode>> grid, int maxConcurrent) {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** One grid point. */
  public record Cell(String id, Map<String, JsonNode> values, JobConfig config) {}

  public static SweepSpec load(String file, List<String> overrides) {
    JsonNode root = read(file);
    if (root == null || !root.isObject() || !root.has("sweep") || !root.get("sweep").isObject()) {
      throw new ConfigException(file + ": a sweep file needs a 'sweep' mapping with a 'grid' (see conf/sweep-*.yaml)");
    }
    JsonNode sweep = root.get("sweep");
    String base = null;
    int maxConcurrent = 1;
    Map<String, List<JsonNode>> grid = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = sweep.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      switch (e.getKey()) {
        case "base":
          if (!e.getValue().isTextual()) {
            throw new ConfigException(file + ": sweep.base expects a config file path, got " + e.getValue());
          }
          base = e.getValue().asText();
          break;
        case "max_concurrent":
          if (!e.getValue().isIntegralNumber() || e.getValue().asInt() < 1) {
            throw new ConfigException(file + ": sweep.max_concurrent expects an integer >= 1, got " + e.getValue());
          }
          maxConcurrent = e.getValue().asInt();
          break;
        case "grid":
          readGrid(file, e.getValue(), grid);
          break;
        default:
          throw new ConfigException(file + ": unknown key 'sweep." + e.getKey() + "' (known: sweep.base, sweep.grid, sweep.max_concurrent)");
      }
    }
    if (grid.isEmpty()) {
      throw new ConfigException(file + ": sweep.grid is missing or empty");
    }
    List<String> inline = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> top = root.fields();
    while (top.hasNext()) {
      Map.Entry<String, JsonNode> e = top.next();
      if (!e.getKey().equals("sweep")) {
        flatten(e.getKey(), e.getValue(), inline);
      }
    }
    if (base != null && !base.contains("://") && !base.startsWith("/")) {
      Path rel = new Path(new Path(file).getParent(), base);
      if (!exists(base) && exists(rel.toString())) {
        base = rel.toString();
      }
    }
    List<String> all = new ArrayList<>(inline);
    all.addAll(overrides);
    JobConfig cfg;
    try {
      cfg = JobConfig.load(base, all);
    } catch (ConfigException e) {
      throw new ConfigException(file + ": " + e.getMessage(), e);
    }
    return new SweepSpec(file, cfg, grid, maxConcurrent);
  }

  private static boolean exists(String p) {
    try {
      Path path = new Path(p);
      return path.getFileSystem(new Configuration()).exists(path);
    } catch (IOException | IllegalArgumentException e) {
      return false;
    }
  }

  private static void readGrid(String file, JsonNode g, Map<String, List<JsonNode>> grid) {
    if (!g.isObject()) {
      throw new ConfigException(file + ": sweep.grid expects a mapping of config keys to lists of values");
    }
    Iterator<Map.Entry<String, JsonNode>> it = g.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey();
      if (e.getValue().isObject()) {
        // nested form: sparsity: {target: [..]}
        Map<String, List<JsonNode>> nested = new LinkedHashMap<>();
        readGrid(file, e.getValue(), nested);
        nested.forEach((k, v) -> grid.put(key + "." + k, v));
        continue;
      }
      if (ConfigKeys.get(key) == null) {
        throw new ConfigException(file + ": unknown config key '" + key + "' in sweep.grid (did you mean '"
            + ConfigKeys.closest(key) + "'?)");
      }
      if (!e.getValue().isArray() || e.getValue().isEmpty()) {
        throw new ConfigException(file + ": sweep.grid." + key + " expects a non-empty list of values, got " + e.getValue());
      }
      List<JsonNode> values = new ArrayList<>();
      e.getValue().forEach(values::add);
      grid.put(key, values);
    }
  }

  private static void flatten(String prefix, JsonNode node, List<String> out) {
    if (node.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> it = node.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        flatten(prefix + "." + e.getKey(), e.getValue(), out);
      }
    } else {
      out.add(prefix + "=" + node);
    }
  }

  private static JsonNode read(String file) {
    Path p = new Path(file);
    try {
      FileSystem fs = p.getFileSystem(new Configuration());
      if (!fs.exists(p)) {
        throw new ConfigException("sweep file not found: " + file);
      }
      try (InputStream in = fs.open(p)) {
        return YAML.readTree(in);
      }
    } catch (JsonProcessingException e) {
      throw new ConfigException(file + ": not valid YAML: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new ConfigException("cannot read sweep file " + file + ": " + e.getMessage(), e);
    }
  }

  /** The varied keys, in grid order. */
  public List<String> keys() {
    return List.copyOf(grid.keySet());
  }

  /** Every cell, configs resolved and checked (a bad value anywhere fails here, before any training). */
  public List<Cell> cells() {
    List<Map<String, JsonNode>> points = new ArrayList<>();
    points.add(new LinkedHashMap<>());
    for (Map.Entry<String, List<JsonNode>> e : grid.entrySet()) {
      List<Map<String, JsonNode>> next = new ArrayList<>();
      for (Map<String, JsonNode> p : points) {
        for (JsonNode v : e.getValue()) {
          Map<String, JsonNode> q = new LinkedHashMap<>(p);
          q.put(e.getKey(), v);
          next.add(q);
        }
      }
      points = next;
    }
    List<Cell> cells = new ArrayList<>();
    Map<String, Map<String, JsonNode>> seen = new LinkedHashMap<>();
    for (Map<String, JsonNode> p : points) {
      Map<String, Object> v = new LinkedHashMap<>(base.values());
      v.putAll(p);
      JobConfig c;
      try {
        c = JobConfig.of(v);
      } catch (ConfigException e) {
        throw new ConfigException(source + ": sweep cell " + p + ": " + e.getMessage(), e);
      }
      String id = id(p);
      if (seen.put(id, p) != null) {
        throw new ConfigException(source + ": sweep.grid has the same point twice: " + p);
      }
      cells.add(new Cell(id, p, c));
    }
    return cells;
  }

  /** Readable values (last key segment and value) plus 8 hex digits of SHA-256 over the sorted key=value list. */
  public static String id(Map<String, JsonNode> values) {
    StringBuilder readable = new StringBuilder();
    StringBuilder canonical = new StringBuilder();
    for (Map.Entry<String, JsonNode> e : new TreeMap<>(values).entrySet()) {
      String v = e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString();
      canonical.append(e.getKey()).append('=').append(v).append('\n');
      String k = e.getKey().substring(e.getKey().lastIndexOf('.') + 1);
      if (readable.length() > 0) {
        readable.append('_');
      }
      readable.append(k).append('-').append(v.replaceAll("[^A-Za-z0-9.]+", ""));
    }
    String r = readable.length() > 80 ? readable.substring(0, 80) : readable.toString();
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
      StringBuilder hex = new StringBuilder();
      for (int i = 0; i < 4; i++) {
        hex.append(String.format("%02x", h[i]));
      }
      return r + "_" + hex;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
