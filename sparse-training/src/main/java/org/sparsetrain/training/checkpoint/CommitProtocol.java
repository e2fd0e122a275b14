package org.sparsetrain.training.checkpoint;

import java.io.IOException;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.fs.CommonPathCapabilities;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * How a checkpoint becomes visible.
 * <ul>
 *   <li>{@link #RENAME} (HDFS, local disk, other filesystems with atomic directory rename): write into
 *   {@code _tmp-step-…/}, manifest last, then rename the folder into place. A crash leaves only a
 *   {@code _tmp-} folder, which readers ignore.</li>
 *   <li>{@link #MANIFEST} (object stores such as S3 through {@code s3a://}, where rename is a copy):
 *   write the data files straight into {@code step-…/} and the manifest last. A step folder without
 *   a manifest that verifies is not a checkpoint; nothing relies on rename.</li>
 *   <li>{@link #AUTO}: {@link #MANIFEST} for object-store schemes ({@code s3a}, {@code s3}, {@code gs},
 *   {@code oss}, {@code wasb}, …) and for any filesystem that declares object-store capabilities
 *   (abortable output streams, or etags that a rename does not preserve); {@link #RENAME} otherwise.</li>
 * </ul>
 */
public enum CommitProtocol {
  AUTO, RENAME, MANIFEST;

  private static final Set<String> OBJECT_STORE_SCHEMES =
      Set.of("s3a", "s3", "s3n", "gs", "oss", "cosn", "obs", "wasb", "wasbs", "swift");

  /** The protocol to use for {@code dir} on {@code fs}: never {@link #AUTO}. */
  public CommitProtocol resolve(FileSystem fs, Path dir) throws IOException {
    if (this != AUTO) {
      return this;
    }
    String scheme = fs.makeQualified(dir).toUri().getScheme();
    if (scheme != null && OBJECT_STORE_SCHEMES.contains(scheme.toLowerCase(Locale.ROOT))) {
      return MANIFEST;
    }
    if (fs.hasPathCapability(dir, CommonPathCapabilities.ABORTABLE_STREAM)
        || (fs.hasPathCapability(dir, CommonPathCapabilities.ETAGS_AVAILABLE)
            && !fs.hasPathCapability(dir, CommonPathCapabilities.ETAGS_PRESERVED_IN_RENAME))) {
      return MANIFEST;
    }
    return RENAME;
  }
}
