package org.sparsetrain.jobs.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparsetrain.jobs.config.ConfigKey.Kind;

/**
 * A job configuration: a YAML file whose nested keys are addressed with dots
 * ({@code sparsity.target}), then {@code spark.sparsetrain.KEY} Spark properties (what
 * {@code spark-submit --conf spark.sparsetrain.sparsity.target=0.95} passes to the driver), then
 * {@code --set key=value} overrides, each checked against
 * {@link ConfigKeys}: an unknown key, a value of the wrong kind or an unreadable file is a
 * {@link ConfigException} naming the key and where it came from. Immutable once resolved; every key
 * has a value (its default when not given) and remembers where its value came from
 * ({@link #origin}), so that a value found invalid later is blamed on its origin ({@link #invalid}):
 * {@code --set sparsity.target=1.5}, {@code --conf spark.sparsetrain.sparsity.target=1.5} or the file.
 */
public final class JobConfig {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

  private final Map<String, Object> values;
  private final Map<String, String> origins;
  private final String source;

  private JobConfig(Map<String, Object> values, Map<String, String> origins, String source) {
    this.values = Collections.unmodifiableMap(values);
    this.origins = Collections.unmodifiableMap(origins);
    this.source = source;
  }

  /** The prefix of Spark properties that set config keys. */
  public static final String SPARK_PREFIX = "spark.sparsetrain.";

  /**
   * Reads {@code file} (any Hadoop path; null for defaults only), then applies the
   * {@code spark.sparsetrain.*} system properties and the overrides.
   */
  public static JobConfig load(String file, List<String> overrides) {
    List<String> all = new ArrayList<>();
    System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith(SPARK_PREFIX)).sorted()
        .forEach(k -> all.add(k + "=" + System.getProperty(k)));
    all.addAll(overrides);
    Map<String, Object> v = defaults();
    Map<String, String> origins = new LinkedHashMap<>();
    String source = file == null ? "defaults" : file;
    if (file != null) {
      JsonNode root = readTree(file);
      if (root != null && !root.isNull()) {
        if (!root.isObject()) {
          throw new ConfigException(file + ": the top level must be a mapping of sections (model, sparsity, training, …)");
        }
        Map<String, JsonNode> flat = new LinkedHashMap<>();
        flatten("", root, flat, file);
        for (Map.Entry<String, JsonNode> e : flat.entrySet()) {
          v.put(e.getKey(), convert(e.getKey(), e.getValue(), file));
          origins.put(e.getKey(), file);
        }
      }
    }
    for (String entry : all) {
      boolean spark = entry.startsWith(SPARK_PREFIX);
      String o = spark ? entry.substring(SPARK_PREFIX.length()) : entry;
      int eq = o.indexOf('=');
      if (eq <= 0) {
        throw new ConfigException((spark ? "--conf " + entry : "--set") + " expects key=value, got '" + o + "'");
      }
      String key = o.substring(0, eq).trim();
      String raw = o.substring(eq + 1);
      // the argument as the user typed it: --set sparsity.target=1.5, --conf spark.sparsetrain.sparsity.target=1.5
      String where = (spark ? "--conf " + SPARK_PREFIX : "--set ") + key + "=" + raw;
      check(key, where);
      JsonNode node;
      try {
        node = YAML.readTree(raw.isEmpty() ? "''" : raw);
      } catch (JsonProcessingException e) {
        throw new ConfigException(where + ": cannot parse value '" + raw + "'");
      }
      v.put(key, convert(key, node == null ? YAML.getNodeFactory().textNode(raw) : node, where));
      origins.put(key, where);
    }
    return new JobConfig(v, origins, source);
  }

  /** A resolved config from a map of dotted keys (e.g. a saved {@code config.yaml} of a run). */
  public static JobConfig of(Map<String, Object> values) {
    Map<String, Object> v = defaults();
    for (Map.Entry<String, Object> e : values.entrySet()) {
      check(e.getKey(), "map");
      v.put(e.getKey(), convert(e.getKey(), YAML.valueToTree(e.getValue()), "map"));
    }
    return new JobConfig(v, new LinkedHashMap<>(), "map");
  }

  private static Map<String, Object> defaults() {
    Map<String, Object> v = new LinkedHashMap<>();
    for (ConfigKey k : ConfigKeys.all()) {
      v.put(k.name(), k.defaultValue());
    }
    return v;
  }

  private static JsonNode readTree(String file) {
    Path p = new Path(file);
    try {
      FileSystem fs = p.getFileSystem(new Configuration());
      if (!fs.exists(p)) {
        throw new ConfigException("config file not found: " + file);
      }
      try (InputStream in = fs.open(p)) {
        return YAML.readTree(in);
      }
    } catch (JsonProcessingException e) {
      throw new ConfigException(file + ": not valid YAML: " + e.getOriginalMessage()
          + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""));
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
    }
  }

  private static void flatten(String prefix, JsonNode node, Map<String, JsonNode> out, String file) {
    Iterator<Map.Entry<String, JsonNode>> it = node.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      if (e.getValue().isObject()) {
        flatten(key, e.getValue(), out, file);
      } else {
        check(key, file);
        out.put(key, e.getValue());
      }
    }
  }

  private static void check(String key, String where) {
    if (ConfigKeys.get(key) == null) {
      throw new ConfigException("unknown config key '" + key + "' in " + where + " (did you mean '" + ConfigKeys.closest(key) + "'?)");
    }
  }

  private static Object convert(String key, JsonNode n, String where) {
    Kind kind = ConfigKeys.get(key).kind();
    String bad = where + ": config key " + key + " expects ";
    switch (kind) {
      case INT:
      case LONG: {
        if (!(n.isIntegralNumber() || (n.isTextual() && n.asText().matches("-?\\d+")))) {
          throw new ConfigException(bad + "an integer, got '" + n.asText() + "'");
        }
        long l = n.isTextual() ? Long.parseLong(n.asText()) : n.asLong();
        if (kind == Kind.INT && (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE)) {
          throw new ConfigException(bad + "an int, got " + l);
        }
        return kind == Kind.INT ? (Object) (int) l : (Object) l;
      }
      case DOUBLE: {
        if (n.isNumber()) {
          return n.asDouble();
        }
        try {
          return Double.parseDouble(n.asText().trim());
        } catch (NumberFormatException e) {
          throw new ConfigException(bad + "a number, got '" + n.asText() + "'");
        }
      }
      case BOOL: {
        if (n.isBoolean()) {
          return n.asBoolean();
        }
        String t = n.asText().trim().toLowerCase();
        if (t.equals("true") || t.equals("false")) {
          return Boolean.parseBoolean(t);
        }
        throw new ConfigException(bad + "true or false, got '" + n.asText() + "'");
      }
      case STRING:
        if (!n.isValueNode()) {
          throw new ConfigException(bad + "a single value, got " + n);
        }
        return n.asText();
      case INT_LIST:
      case DOUBLE_LIST: {
        if (!n.isArray()) {
          throw new ConfigException(bad + "a list like [784, 300, 10], got '" + n.asText() + "'");
        }
        List<Object> list = new ArrayList<>();
        for (JsonNode e : n) {
          if (kind == Kind.INT_LIST) {
            if (!e.isIntegralNumber()) {
              throw new ConfigException(bad + "a list of integers, got element '" + e.asText() + "'");
            }
            list.add(e.asInt());
          } else {
            if (!e.isNumber()) {
              throw new ConfigException(bad + "a list of numbers, got element '" + e.asText() + "'");
            }
            list.add(e.asDouble());
          }
        }
        return Collections.unmodifiableList(list);
      }
      default:
        throw new IllegalStateException(kind.toString());
    }
  }

  /** This config with {@code key} set to {@code value}, which came from {@code origin} (for error messages). */
  public JobConfig with(String key, Object value, String origin) {
    check(key, origin);
    Map<String, Object> v = new LinkedHashMap<>(values);
    v.put(key, convert(key, YAML.valueToTree(value), origin));
    Map<String, String> o = new LinkedHashMap<>(origins);
    o.put(key, origin);
    return new JobConfig(v, o, source);
  }

  /** Where the config came from (file name, "defaults" or "map"). */
  public String source() { return source; }

  /**
   * Where {@code key}'s value came from: {@code --set key=value}, {@code --conf
   * spark.sparsetrain.key=value} or the file's name; {@link #source()} for a key left at its default.
   */
  public String origin(String key) {
    return origins.getOrDefault(key, source);
  }

  /**
   * A {@link ConfigException} for a value found invalid after loading, blamed on where the value
   * came from: the origins of the keys {@code message} names that were given (else of the given
   * {@code keys}, the ones that may be at fault when the message names none or only defaults), each once, e.g. {@code --set sparsity.target=1.5: sparsity.target
   * must be in [0,1), got 1.5}; the config's source when none of them was given.
   */
  public ConfigException invalid(String message, String... keys) {
    List<String> where = new ArrayList<>();
    List<String> named = mentioned(message);
    for (String k : named.isEmpty() ? List.of(keys) : named) {
      String o = origins.get(k);
      if (o != null && !where.contains(o)) {
        where.add(o);
      }
    }
    if (where.isEmpty() && !named.isEmpty()) {   // keys at their defaults: the message may hinge on the others
      for (String k : keys) {
        String o = origins.get(k);
        if (o != null && !where.contains(o)) {
          where.add(o);
        }
      }
    }
    if (where.isEmpty()) {
      where.add(source);
    }
    return new ConfigException(String.join(", ", where) + ": " + message);
  }

  /** The known keys {@code message} names, in the order it names them. */
  private static List<String> mentioned(String message) {
    Map<Integer, String> at = new java.util.TreeMap<>();
    for (ConfigKey k : ConfigKeys.all()) {
      String name = k.name();
      for (int i = message.indexOf(name); i >= 0; i = message.indexOf(name, i + 1)) {
        int end = i + name.length();
        boolean startsWord = i == 0 || !isKeyChar(message.charAt(i - 1));
        boolean endsWord = end == message.length() || !isKeyChar(message.charAt(end)) || message.charAt(end) == '.';
        if (startsWord && endsWord) {
          at.putIfAbsent(i, name);
          break;
        }
      }
    }
    return new ArrayList<>(at.values());
  }

  private static boolean isKeyChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '.';
  }

  public int getInt(String key) { return (Integer) get(key); }
  public long getLong(String key) { return ((Number) get(key)).longValue(); }
  public double getDouble(String key) { return ((Number) get(key)).doubleValue(); }
  public boolean getBool(String key) { return (Boolean) get(key); }
  public String getString(String key) { return (String) get(key); }

  public int[] getIntArray(String key) {
    @SuppressWarnings("unchecked")
    List<Integer> l = (List<Integer>) get(key);
    return l.stream().mapToInt(Integer::intValue).toArray();
  }

  public double[] getDoubleArray(String key) {
    @SuppressWarnings("unchecked")
    List<Double> l = (List<Double>) get(key);
    return l.stream().mapToDouble(Double::doubleValue).toArray();
  }

  public Object get(String key) {
    if (!values.containsKey(key)) {
      throw new ConfigException("unknown config key '" + key + "'");
    }
    return values.get(key);
  }

  /** All resolved values by dotted key. */
  public Map<String, Object> values() {
    return values;
  }

  /** The resolved config as nested YAML (every key, defaults included). */
  public String toYaml() {
    ObjectNode root = YAML.createObjectNode();
    for (Map.Entry<String, Object> e : values.entrySet()) {
      String[] parts = e.getKey().split("\\.");
      ObjectNode node = root;
      for (int i = 0; i < parts.length - 1; i++) {
        node = node.has(parts[i]) ? (ObjectNode) node.get(parts[i]) : node.putObject(parts[i]);
      }
      node.set(parts[parts.length - 1], YAML.valueToTree(e.getValue()));
    }
    try {
      return YAML.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
