package org.sparsetrain.jobs.output;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A run's output directory on any Hadoop file system ({@code file://}, {@code hdfs://},
 * {@code s3a://}, or a plain local path). Small files are written whole under a temporary name
 * and then moved into place, so a reader never sees half a file; {@code summary.json} is written
 * last and only by a successful run, so its presence means "finished".
 */
public final class RunOutput {
  public static final String SUMMARY = "summary.json";
  public static final String METRICS = "metrics.jsonl";
  public static final String CONFIG = "config.yaml";

  private final FileSystem fs;
  private final Path dir;

  private RunOutput(FileSystem fs, Path dir) {
    this.fs = fs;
    this.dir = dir;
  }

  /** Opens (creating if needed) the directory; fails clearly if its file system is unreachable. */
  public static RunOutput open(String dir, Configuration conf) throws IOException {
    Path p = new Path(dir);
    FileSystem fs;
    try {
      fs = p.getFileSystem(conf);
      fs.mkdirs(p);
    } catch (IOException e) {
      throw new IOException("cannot use output directory " + dir + ": " + e.getMessage(), e);
    }
    return new RunOutput(fs, fs.makeQualified(p));
  }

  public Path dir() { return dir; }
  public FileSystem fs() { return fs; }

  public Path path(String name) {
    return new Path(dir, name);
  }

  public boolean exists(String name) throws IOException {
    return fs.exists(path(name));
  }

  public boolean finished() throws IOException {
    return exists(SUMMARY);
  }

  /** Writes a whole small file: data under a temporary name, then moved into place. */
  public void write(String name, String content) throws IOException {
    Path target = path(name);
    Path tmp = path("." + name + ".tmp");
    try (OutputStream out = fs.create(tmp, true)) {
      out.write(content.getBytes(StandardCharsets.UTF_8));
    }
    if (fs.exists(target)) {
      fs.delete(target, false);
    }
    if (!fs.rename(tmp, target)) {
      throw new IOException("could not move " + tmp + " to " + target);
    }
  }

  public String read(String name) throws IOException {
    try (var in = fs.open(path(name))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Removes a file if present. */
  public void delete(String name) throws IOException {
    fs.delete(path(name), true);
  }
}
