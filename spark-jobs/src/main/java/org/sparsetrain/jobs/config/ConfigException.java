package org.sparsetrain.jobs.config;

/** A configuration that cannot be used: unknown key, wrong type, value out of range, unreadable file. */
public final class ConfigException extends IllegalArgumentException {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
