package org.sparsetrain.training.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Last line of defence against credentials in checkpoints: the caller is expected to pass a config
 * without secrets, but a value whose key looks like a credential ({@code fs.s3a.secret.key},
 * {@code …password}, {@code …token}, {@code …credential(s)}, {@code fs.azure.account.key…},
 * {@code …encryption.key}, {@code …session.key}, {@code …access.key}) is replaced by
 * {@value #REDACTED} in the config text and in {@code extra} before anything is written — the
 * same idea as Hadoop's {@code hadoop.security.sensitive-config-keys}.
 */
public final class Secrets {
  private Secrets() {}

  public static final String REDACTED = "<redacted>";

  private static final Pattern SENSITIVE = Pattern.compile(
      "secret|password|passwd|token|credential|account[._-]?key|encryption[._-]?key|session[._-]?key|access[._-]?key|private[._-]?key");

  /** Whether a configuration key names a credential. */
  public static boolean isSensitiveKey(String key) {
    return SENSITIVE.matcher(key.toLowerCase(Locale.ROOT)).find();
  }

  // "  key: value", "- key: value", "key=value" (properties), quoted keys allowed
  private static final Pattern LINE = Pattern.compile("^(\\s*(?:-\\s+)?)([\"']?)([^\"'#:=\\s][^\"'#:=]*?)\\2(\\s*[:=]\\s*)(.*)$");

  /**
   * The config text with every value of a sensitive key replaced, line by line (YAML mappings and
   * {@code key=value} properties). A block scalar ({@code key: |}) is removed with its indented lines.
   */
  public static String redactConfigText(String text) {
    if (text == null) {
      return null;
    }
    String[] lines = text.split("\n", -1);
    List<String> out = new ArrayList<>(lines.length);
    int blockIndent = -1;
    for (String line : lines) {
      if (blockIndent >= 0) {
        int indent = indentOf(line);
        if (line.isBlank() || indent > blockIndent) {
          continue;
        }
        blockIndent = -1;
      }
      Matcher m = LINE.matcher(line);
      if (m.matches() && isSensitiveKey(m.group(3)) && !m.group(5).isBlank()) {
        String value = m.group(5).trim();
        if (value.startsWith("|") || value.startsWith(">")) {
          blockIndent = indentOf(line);
        }
        out.add(m.group(1) + m.group(2) + m.group(3) + m.group(2) + m.group(4) + "\"" + REDACTED + "\"");
      } else {
        out.add(line);
      }
    }
    return String.join("\n", out);
  }

  private static int indentOf(String line) {
    int i = 0;
    while (i < line.length() && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
      i++;
    }
    return i;
  }

  /** A deep copy of {@code node} whose values under sensitive keys are replaced, at any depth. */
  public static JsonNode redactJson(JsonNode node) {
    if (node == null) {
      return null;
    }
    JsonNode copy = node.deepCopy();
    redactInPlace(copy);
    return copy;
  }

  private static void redactInPlace(JsonNode node) {
    if (node instanceof ObjectNode o) {
      List<String> sensitive = new ArrayList<>();
      for (Map.Entry<String, JsonNode> e : o.properties()) {
        if (isSensitiveKey(e.getKey())) {
          sensitive.add(e.getKey());
        } else {
          redactInPlace(e.getValue());
        }
      }
      for (String k : sensitive) {
        o.set(k, TextNode.valueOf(REDACTED));
      }
    } else if (node != null && node.isArray()) {
      for (JsonNode c : node) {
        redactInPlace(c);
      }
    }
  }
}
