package org.sparsetrain.training.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class SecretsTest {
  @Test
  void redactsSensitiveYamlAndPropertiesValuesOnly() {
    String in = String.join("\n",
        "training:",
        "  epochs: 3",
        "spark:",
        "  hadoop:",
        "    fs.s3a.secret.key: abc123",
        "    \"fs.azure.account.key.acct.blob.core.windows.net\": 'k=='",
        "    fs.s3a.endpoint: http://127.0.0.1:9000",
        "db_password=pw1",
        "oauth_token: |",
        "  line-one-secret",
        "  line-two-secret",
        "after: 1");
    String out = Secrets.redactConfigText(in);
    for (String s : new String[] {"abc123", "k==", "pw1", "line-one-secret", "line-two-secret"}) {
      assertFalse(out.contains(s), s + " in\n" + out);
    }
    assertTrue(out.contains("    fs.s3a.secret.key: \"<redacted>\""), out);
    assertTrue(out.contains("fs.s3a.endpoint: http://127.0.0.1:9000"), out);
    assertTrue(out.contains("  epochs: 3"));
    assertTrue(out.endsWith("after: 1"), out);
    assertEquals(Secrets.redactConfigText("a: 1\nb: 2"), "a: 1\nb: 2");
  }

  @Test
  void redactsJsonAtAnyDepthWithoutTouchingTheInput() {
    ObjectNode n = Manifest.JSON.createObjectNode();
    n.put("val_accuracy", 0.9);
    n.putObject("s3").put("secretKey", "x1").putObject("credentials").put("id", "x2");
    n.putArray("list").addObject().put("api_token", "x3");
    JsonNode r = Secrets.redactJson(n);
    assertEquals("<redacted>", r.path("s3").path("secretKey").asText());
    assertEquals("<redacted>", r.path("s3").path("credentials").asText());
    assertEquals("<redacted>", r.path("list").path(0).path("api_token").asText());
    assertEquals(0.9, r.path("val_accuracy").asDouble());
    assertEquals("x1", n.path("s3").path("secretKey").asText(), "input unchanged");
  }
}
