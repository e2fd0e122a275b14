package org.sparsetrain.training.spark;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;

/**
 * The driver's Hadoop configuration, shipped to executor tasks (in their closures) so that they
 * reach the same filesystems with the same settings ({@code fs.s3a.*}, {@code dfs.*},
 * {@code spark.hadoop.*}): every entry in Hadoop's own {@code Writable} form. Credentials travel
 * as they do for Spark's own Hadoop reads, and are never logged.
 */
public final class HadoopConf implements Serializable {
  private static final long serialVersionUID = 1L;
  private final byte[] entries;
  private transient Configuration conf;

  public HadoopConf(Configuration conf) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(b)) {
      conf.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.entries = b.toByteArray();
    this.conf = conf;
  }

  public Configuration get() {
    if (conf == null) {
      Configuration c = new Configuration(false);
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(entries))) {
        c.readFields(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      conf = c;
    }
    return conf;
  }
}
