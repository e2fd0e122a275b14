package org.sparsetrain.jobs;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsAction;
import org.apache.hadoop.security.AccessControlException;
import org.sparsetrain.data.DataException;
import org.sparsetrain.jobs.config.ConfigException;
import org.sparsetrain.jobs.config.JobConfig;

/**
 * Start-up checks of a run's paths, before Spark starts or data is read: the output directory can
 * be created and written, its file system answers, and every data file exists and is a file. Each
 * failure is one line naming the path, what is wrong and the fix.
 *
 * <p>The checks go through their own {@link FileSystem} instances ({@link FileSystem#newInstance},
 * closed after; the cached instances the run uses are untouched) on a copy of the run's Hadoop
 * configuration with few retries and short timeouts ({@link #probeConf}): an unreachable S3
 * endpoint or namenode fails in seconds instead of after S3A's or the IPC client's minutes of
 * retries. The run itself keeps its own settings.
 */
public final class Preflight {
  private Preflight() {}

  /** The data keys of {@code data.format: idx}. */
  static final List<String> IDX_KEYS = List.of("data.train_images", "data.train_labels", "data.test_images", "data.test_labels");

  /** Checks the config's data files, then the output directory (created if missing); see the class comment. */
  public static void check(JobConfig cfg, String out, Configuration conf) throws IOException {
    if (cfg.getString("data.format").equals("idx")) {
      for (String key : IDX_KEYS) {
        dataFile(cfg, key, conf);
      }
    }
    output(out, conf);
  }

  /**
   * A copy of {@code conf} for a bounded probe: S3A without SDK retries, one S3A retry after 250 ms
   * and 15 s connection timeouts (S3A's minimum); the IPC client of HDFS with one connection retry
   * and a 5 s connect timeout.
   */
  static Configuration probeConf(Configuration conf) {
    Configuration c = new Configuration(conf);
    c.setInt("fs.s3a.attempts.maximum", 0);
    c.setInt("fs.s3a.retry.limit", 1);
    c.set("fs.s3a.retry.interval", "250ms");
    c.setInt("fs.s3a.retry.throttle.limit", 1);
    c.set("fs.s3a.connection.establish.timeout", "15s");   // S3A's minimum for network timeouts
    c.set("fs.s3a.connection.timeout", "15s");
    c.set("fs.s3a.connection.request.timeout", "15s");
    c.setInt("ipc.client.connect.max.retries", 1);
    c.setInt("ipc.client.connect.max.retries.on.timeouts", 1);
    c.setInt("ipc.client.connect.retry.interval", 250);
    c.setInt("ipc.client.connect.timeout", 5000);
    c.setBoolean("dfs.client.retry.policy.enabled", false);
    return c;
  }

  /**
   * The output directory {@code out} exists as a directory or can be created, and a file can be
   * written in it (a probe file, deleted at once); its file system answers within the probe's
   * bounds.
   */
  public static void output(String out, Configuration conf) throws IOException {
    Path dir = new Path(out);
    Configuration probe = probeConf(conf);
    URI uri;
    try (FileSystem fs = FileSystem.newInstance(dir.toUri(), probe)) {
      uri = fs.getUri();
      try {
        FileStatus st = status(fs, dir);
        if (st != null && !st.isDirectory()) {
          throw new ConfigException("--out " + out + ": is a file, not a directory; choose another --out");
        }
        if (st == null && !fs.mkdirs(dir)) {
          throw cannotCreate(out, fs, dir, null);
        }
      } catch (ConfigException e) {
        throw e;
      } catch (IOException e) {
        if (unreachable(e) != null) {
          throw unreachableError("--out " + out, uri, probe, e);
        }
        if (denied(e) != null) {
          throw deniedError("--out " + out, uri, e);
        }
        throw cannotCreate(out, fs, dir, e);
      }
      Path file = new Path(dir, ".sparsetrain-probe-" + Long.toHexString(System.nanoTime()));
      try {
        fs.create(file, true).close();
        fs.delete(file, false);
      } catch (IOException e) {
        if (unreachable(e) != null) {
          throw unreachableError("--out " + out, uri, probe, e);
        }
        if (denied(e) != null && !"file".equals(uri.getScheme())) {
          throw deniedError("--out " + out, uri, e);
        }
        throw new ConfigException("--out " + out + ": cannot write in the output directory (" + reason(e)
            + "); choose a writable --out", e);
      }
    } catch (IOException e) {
      if (unreachable(e) != null && !(e instanceof UnreachableException)) {
        throw unreachableError("--out " + out, dir.toUri(), probe, e);
      }
      throw e;
    }
  }

  /** The data file of {@code key} exists and is a file, not a directory. */
  static void dataFile(JobConfig cfg, String key, Configuration conf) throws IOException {
    String path = cfg.getString(key);
    Path p = new Path(path);
    Configuration probe = probeConf(conf);
    try (FileSystem fs = FileSystem.newInstance(p.toUri(), probe)) {
      FileStatus st = status(fs, p);
      if (st == null) {
        throw new DataException(path, "file not found (" + from(cfg, key) + ")");
      }
      if (st.isDirectory()) {
        throw new DataException(path, "is a directory, but " + key + " (" + from(cfg, key) + ") must name a file:"
            + " an IDX file, gzipped or plain");
      }
    } catch (DataException e) {
      throw e;
    } catch (IOException e) {
      if (unreachable(e) != null) {
        throw unreachableError(key + " " + path, p.toUri(), probe, e);
      }
      if (denied(e) != null) {
        throw deniedError(key + " " + path, p.toUri(), e);
      }
      throw new IOException(key + " " + path + ": cannot check the file (" + reason(e) + ")", e);
    }
  }

  /** Where a key's value came from, for messages: {@code --set k=v}, {@code k in FILE} or {@code the default of k}. */
  static String from(JobConfig cfg, String key) {
    String o = cfg.origin(key);
    if (o.startsWith("--")) {
      return o;
    }
    return o.equals("defaults") || o.equals("map") ? "the default of " + key : key + " in " + o;
  }

  private static FileStatus status(FileSystem fs, Path p) throws IOException {
    try {
      return fs.getFileStatus(p);
    } catch (FileNotFoundException e) {
      return null;
    }
  }

  /** Why the output directory could not be created: a file in the way, no permission, or the file system's reason. */
  private static ConfigException cannotCreate(String out, FileSystem fs, Path dir, IOException cause) {
    String why = cause == null ? "the file system refused" : reason(cause);
    try {
      Path a = dir.getParent();
      FileStatus st = null;
      while (a != null && (st = status(fs, a)) == null) {
        a = a.getParent();
      }
      if (st != null && !st.isDirectory()) {
        why = a + " is a file, not a directory";
      } else if (st != null) {
        try {
          fs.access(a, FsAction.WRITE);
        } catch (AccessControlException denied) {
          why = "permission denied on " + a;
        }
      }
    } catch (IOException ignored) {
      // keep the file system's own reason
    }
    return new ConfigException("--out " + out + ": cannot create the output directory (" + why + "); choose a writable --out",
        cause);
  }

  /** A file system that did not answer. */
  static final class UnreachableException extends IOException {
    private static final long serialVersionUID = 1L;

    UnreachableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private static UnreachableException unreachableError(String what, URI uri, Configuration conf, IOException e) {
    String cause = shortCause(unreachable(e));
    if ("s3a".equals(uri.getScheme())) {
      String bucket = uri.getHost();
      String endpoint = conf.getTrimmed("fs.s3a.bucket." + bucket + ".endpoint", conf.getTrimmed("fs.s3a.endpoint", ""));
      String where = endpoint.isEmpty() ? "AWS's default endpoint" : endpoint;
      return new UnreachableException(what + ": cannot reach the endpoint " + where + " (" + cause
          + "); check fs.s3a.endpoint / network", e);
    }
    return new UnreachableException(what + ": cannot reach " + uri.getScheme() + "://" + uri.getAuthority() + " (" + cause
        + "); check the address / network", e);
  }

  /** The store refused the credentials or access (S3A's 401/403 or no credentials at all), or null. */
  static Throwable denied(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String n = t.getClass().getName();
      if (n.endsWith("NoAuthWithAWSException") || n.endsWith("UnknownStoreException") || n.endsWith("AccessDeniedException")
          || n.endsWith("AWSBadRequestException")) {
        return t;
      }
    }
    return null;
  }

  private static ConfigException deniedError(String what, URI uri, IOException e) {
    String fix = "s3a".equals(uri.getScheme())
        ? "check the bucket name and the credentials (fs.s3a.access.key / fs.s3a.secret.key or a credentials provider)"
        : "check the path's permissions and the credentials";
    return new ConfigException(what + ": cannot access the store (" + shortCause(denied(e)) + "); " + fix, e);
  }

  /** The innermost cause of {@code t} (the socket's or the SDK's own words), in at most 240 characters. */
  private static String shortCause(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage().strip());
    m = m.replaceAll("\\s+", " ");
    return m.length() <= 240 ? m : m.substring(0, 237) + "...";
  }

  /** The connection failure inside {@code e}, or null when {@code e} is not one. */
  static Throwable unreachable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ConnectException || t instanceof UnknownHostException || t instanceof NoRouteToHostException
          || t instanceof SocketTimeoutException || t instanceof org.apache.hadoop.net.ConnectTimeoutException
          || t.getClass().getName().endsWith("ConnectTimeoutException")
          || t.getClass().getName().equals("org.apache.http.conn.HttpHostConnectException")) {
        return t;
      }
    }
    return null;
  }

  private static String reason(IOException e) {
    if (e instanceof AccessControlException || String.valueOf(e.getMessage()).contains("Permission denied")) {
      return "permission denied";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
