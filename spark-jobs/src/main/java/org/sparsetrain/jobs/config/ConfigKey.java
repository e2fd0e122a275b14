package org.sparsetrain.jobs.config;

/**
 * One known configuration key: its dotted name (as YAML nesting and {@code --set} address it),
 * its kind, its default (null = required) and its documentation.
 */
public record ConfigKey(String name, Kind kind, Object defaultValue, String doc) {
  /** Value kinds a key can hold. */
  public enum Kind { INT, LONG, DOUBLE, BOOL, STRING, INT_LIST, DOUBLE_LIST }
}
