package org.sparsetrain.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real S3 API endpoint on loopback for tests: S3Proxy (filesystem backend; a bucket is a folder
 * under {@link #blobs()}) in a child JVM — never in the test JVM, whose Jetty/Jackson/Guava would
 * clash with Spark's. The jar is copied by maven-dependency-plugin to
 * {@code ${project.build.directory}/s3proxy/s3proxy.jar}.
 */
public final class S3ProxyServer implements AutoCloseable {
  public static final String ACCESS = "sparsetrain-test";

  private final Process process;
  private final Path blobs;
  private final int port;
  private final String secret;

  private S3ProxyServer(Process process, Path blobs, int port, String secret) {
    this.process = process;
    this.blobs = blobs;
    this.port = port;
    this.secret = secret;
  }

  /** Starts S3Proxy with buckets {@code buckets}, credentials {@link #ACCESS} / {@code secret}. */
  public static S3ProxyServer start(String secret, String... buckets) throws IOException, InterruptedException {
    Path testTmp = Path.of(System.getProperty("sparsetrain.test.tmp", "target/test-tmp"));
    Path jar = testTmp.getParent().resolve("s3proxy").resolve("s3proxy.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("S3Proxy jar missing at " + jar + " (copied by maven-dependency-plugin at generate-test-resources)");
    }
    Path work = Files.createDirectories(testTmp).resolve("s3proxy-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
    Path blobs = Files.createDirectories(work.resolve("blobs"));
    for (String b : buckets) {
      Files.createDirectories(blobs.resolve(b));
    }
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path props = work.resolve("s3proxy.properties");
    Files.writeString(props, String.join("\n",
        "s3proxy.endpoint=http://127.0.0.1:" + port,
        "s3proxy.authorization=aws-v2-or-v4",
        "s3proxy.identity=" + ACCESS,
        "s3proxy.credential=" + secret,
        "jclouds.provider=filesystem",
        "jclouds.filesystem.basedir=" + blobs), StandardCharsets.UTF_8);
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path log = work.resolve("s3proxy.log");
    Process p = new ProcessBuilder(javaBin, "-Xmx256m", "-jar", jar.toString(), "--properties", props.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return new S3ProxyServer(p, blobs, port, secret);
      } catch (IOException notYet) {
        if (!p.isAlive() || System.nanoTime() > deadline) {
          p.destroyForcibly();
          throw new IllegalStateException("S3Proxy did not start: " + Files.readString(log));
        }
        Thread.sleep(200);
      }
    }
  }

  /** The folder holding every stored object (bucket/key as files). */
  public Path blobs() {
    return blobs;
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** The S3A settings that reach this endpoint (add {@code spark.hadoop.} for Spark confs). */
  public Map<String, String> s3aSettings() {
    return Map.of(
        "fs.s3a.endpoint", endpoint(),
        "fs.s3a.endpoint.region", "us-east-1",
        "fs.s3a.path.style.access", "true",
        "fs.s3a.connection.ssl.enabled", "false",
        "fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
        "fs.s3a.access.key", ACCESS,
        "fs.s3a.secret.key", secret,
        "fs.s3a.attempts.maximum", "2",
        "fs.s3a.retry.limit", "2");
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
