package org.sparsetrain.training.checkpoint;

import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.optim.Optimizer;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * The checkpoints of one run: a folder of {@code step-NNNNNNNNN/} checkpoints (by default
 * {@code RUN_DIR/checkpoints}) on any Hadoop filesystem.
 * <ul>
 *   <li>{@link #commit} writes a checkpoint ({@link Checkpoint#write}) and then applies the
 *   {@link RetentionPolicy}: old checkpoints are deleted only after the new one is committed and
 *   verified, and never the newest valid or the best one.</li>
 *   <li>{@link #restore} loads the newest checkpoint that verifies and fits the run's model,
 *   reporting every newer one that does not, in human-readable lines such as
 *   {@code step-000000400: values.l1.bin size 1200 != manifest 2400 (truncated)}.</li>
 *   <li>{@link #latestValid} does the same check without loading, for tools and reports.</li>
 * </ul>
 * One writer per run folder (the driver). Instances are immutable apart from a cache of
 * checkpoints already verified by this store; {@code with…} methods return new stores that share it.
 */
public final class CheckpointStore {
  /** Sub-folder of a run directory that holds its checkpoints. */
  public static final String CHECKPOINTS = "checkpoints";

  private final FileSystem fs;
  private final Path dir;
  private final RetentionPolicy retention;
  private final CommitProtocol protocol;
  private final Map<String, Long> verified;

  private CheckpointStore(FileSystem fs, Path dir, RetentionPolicy retention, CommitProtocol protocol, Map<String, Long> verified) {
    this.fs = Objects.requireNonNull(fs, "fs");
    this.dir = fs.makeQualified(dir);
    this.retention = Objects.requireNonNull(retention, "retention");
    this.protocol = Objects.requireNonNull(protocol, "protocol");
    this.verified = verified;
  }

  /** A store over {@code checkpointsDir} itself, default retention (keep last 3) and {@link CommitProtocol#AUTO}. */
  public static CheckpointStore open(FileSystem fs, Path checkpointsDir) {
    return new CheckpointStore(fs, checkpointsDir, RetentionPolicy.DEFAULT, CommitProtocol.AUTO, new ConcurrentHashMap<>());
  }

  /** The store of a run: {@code runDir/checkpoints}. */
  public static CheckpointStore forRun(FileSystem fs, Path runDir) {
    return open(fs, new Path(runDir, CHECKPOINTS));
  }

  /** The store of a run, its filesystem from {@code conf} (S3A credentials come from there, never from here). */
  public static CheckpointStore forRun(Path runDir, Configuration conf) throws IOException {
    return forRun(runDir.getFileSystem(conf), runDir);
  }

  public CheckpointStore withRetention(RetentionPolicy policy) {
    return new CheckpointStore(fs, dir, policy, protocol, verified);
  }

  public CheckpointStore withCommitProtocol(CommitProtocol p) {
    return new CheckpointStore(fs, dir, retention, p, verified);
  }

  public Path dir() { return dir; }
  public FileSystem fileSystem() { return fs; }
  public RetentionPolicy retention() { return retention; }

  /** The protocol this store commits with on its filesystem ({@link CommitProtocol#RENAME} or {@link CommitProtocol#MANIFEST}). */
  public CommitProtocol effectiveProtocol() throws IOException {
    return protocol.resolve(fs, dir);
  }

  // ------------------------------------------------------------------ listing

  /** A folder in the store: a step folder ({@code step-…}) or a leftover ({@code _tmp-step-…}, {@code _old-step-…}). */
  public record Entry(long step, Path path, boolean stepFolder) {
    public String name() { return path.getName(); }
  }

  /** Step folders, newest first (committed or not: {@link #latestValid} tells). */
  public List<Entry> steps() throws IOException {
    List<Entry> out = new ArrayList<>();
    for (Entry e : entries()) {
      if (e.stepFolder()) {
        out.add(e);
      }
    }
    return out;
  }

  private List<Entry> entries() throws IOException {
    FileStatus[] all;
    try {
      all = fs.listStatus(dir);
    } catch (FileNotFoundException e) {
      return List.of();
    }
    List<Entry> out = new ArrayList<>();
    for (FileStatus st : all) {
      if (!st.isDirectory()) {
        continue;
      }
      String name = st.getPath().getName();
      long s = CheckpointFormat.parseStepDirName(name);
      if (s >= 0) {
        out.add(new Entry(s, st.getPath(), true));
        continue;
      }
      s = CheckpointFormat.parseTmpDirName(name);
      if (s < 0 && name.startsWith(CheckpointFormat.OLD_PREFIX)) {
        String rest = name.substring(CheckpointFormat.OLD_PREFIX.length());
        int dash = rest.lastIndexOf('-');
        s = dash > 0 ? CheckpointFormat.parseStepDirName(rest.substring(0, dash)) : -1;
      }
      if (s >= 0) {
        out.add(new Entry(s, st.getPath(), false));
      }
    }
    out.sort(Comparator.comparingLong(Entry::step).reversed().thenComparing(e -> !e.stepFolder()));
    return out;
  }

  // ------------------------------------------------------------------ latest valid

  /**
   * The result of scanning for the newest good checkpoint.
   *
   * @param dir the chosen step folder, or null when none verifies
   * @param manifest its manifest, or null
   * @param problems one line per newer checkpoint (or leftover) that was skipped, and why
   */
  public record Scan(Path dir, Manifest manifest, List<String> problems) {
    public boolean found() { return dir != null; }
  }

  /** The newest checkpoint whose manifest and files verify (sizes and CRC32C), and what was wrong with newer ones. */
  public Scan latestValid() throws IOException {
    List<String> problems = new ArrayList<>();
    for (Entry e : entries()) {
      if (!e.stepFolder()) {
        problems.add(e.name() + ": interrupted write, never committed (ignored)");
        continue;
      }
      try {
        Manifest m = Checkpoint.verify(fs, e.path());
        verified.put(e.name(), m.manifestCrc());
        return new Scan(e.path(), m, List.copyOf(problems));
      } catch (CheckpointException | ChecksumException | EOFException ex) {
        problems.add(e.name() + ": " + describe(ex));
      }
    }
    return new Scan(null, null, List.copyOf(problems));
  }

  /**
   * Full verification, except that a checkpoint this store already verified (or wrote) with the
   * same manifest is only checked for its file list and sizes: retention runs after every commit
   * and must not re-read every kept checkpoint each time. {@link #latestValid} and {@link #restore}
   * always read everything.
   */
  private Manifest verifyCached(Entry e) throws IOException {
    Manifest m = Checkpoint.verifySizes(fs, e.path());
    Long known = verified.get(e.name());
    if (known != null && known == m.manifestCrc()) {
      return m;
    }
    m = Checkpoint.verify(fs, e.path());
    verified.put(e.name(), m.manifestCrc());
    return m;
  }

  /** A checkpoint's problem in one line; filesystem-level checksum errors and early ends count as corruption. */
  private static String describe(IOException ex) {
    if (ex instanceof CheckpointException) {
      return ex.getMessage();
    }
    return (ex instanceof ChecksumException ? "filesystem checksum error (corrupt): " : "unexpected end of file (truncated): ")
        + ex.getMessage();
  }

  // ------------------------------------------------------------------ restore

  /**
   * @param checkpoint the loaded checkpoint, or null when the store holds no usable one (fresh start)
   * @param problems newer checkpoints that were skipped, and why
   */
  public record RestoreResult(RestoredCheckpoint checkpoint, List<String> problems) {
    public boolean found() { return checkpoint != null; }
  }

  /**
   * Loads the newest checkpoint that verifies (manifest, sizes, CRC32C, CSR structure, fingerprint)
   * and fits the run (layer sizes, activation, loss, dense/sparse, optimizer kind and slots); newer
   * ones that do not are listed in {@link RestoreResult#problems()}. When checkpoints verify but none
   * fits, throws {@link IncompatibleCheckpointException} (resuming someone else's run, or starting
   * fresh over it, would both be wrong); when none verifies or there are none, returns an empty result.
   *
   * @param method may be null (then dense/sparse storage is not checked)
   */
  public RestoreResult restore(ModelSpec spec, SparsityMethod method, Optimizer optimizer) throws IOException {
    Objects.requireNonNull(optimizer, "optimizer");
    Restored<RestoredCheckpoint> r = restoreWith(spec, method, optimizer, (d, m) -> Checkpoint.read(fs, d, optimizer));
    return new RestoreResult(r.value(), r.problems());
  }

  /**
   * Loads a checkpoint that passed the store's checks (manifest, compatibility with the run, file
   * list and sizes); throws {@link CheckpointException} when its data does not verify, and the
   * store then tries the previous one.
   */
  @FunctionalInterface
  public interface Loader<T> {
    T load(Path stepDir, Manifest manifest) throws IOException;
  }

  /**
   * @param value what the loader made of the checkpoint, or null when the store holds no usable one
   * @param dir the checkpoint's folder, or null
   * @param manifest its manifest, or null
   * @param problems newer checkpoints that were skipped, and why
   */
  public record Restored<T>(T value, Path dir, Manifest manifest, List<String> problems) {
    public boolean found() { return value != null; }
  }

  /**
   * {@link #restore} with the loading left to {@code loader}: a sharded trainer loads each shard
   * on its owner instead of the whole model here. Newest first, every checkpoint must verify its
   * manifest, fit the run, list the files its layout needs with their recorded sizes, and then
   * load; the first that does is returned, with the reasons the newer ones were skipped.
   */
  public <T> Restored<T> restoreWith(ModelSpec spec, SparsityMethod method, Optimizer optimizer, Loader<T> loader)
      throws IOException {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(optimizer, "optimizer");
    List<String> problems = new ArrayList<>();
    IncompatibleCheckpointException firstIncompatible = null;
    for (Entry e : entries()) {
      if (!e.stepFolder()) {
        problems.add(e.name() + ": interrupted write, never committed (ignored)");
        continue;
      }
      try {
        Manifest m = Manifest.read(fs, e.path());
        RestoredCheckpoint.checkCompatible(m, spec, method);
        Checkpoint.checkOptimizer(m, optimizer);
        m = Checkpoint.verifySizes(fs, e.path());
        T value = loader.load(e.path(), m);
        verified.put(e.name(), m.manifestCrc());
        return new Restored<>(value, e.path(), m, List.copyOf(problems));
      } catch (IncompatibleCheckpointException ex) {
        if (firstIncompatible == null) {
          firstIncompatible = ex;
        }
        problems.add(e.name() + ": " + ex.getMessage());
      } catch (CheckpointException | ChecksumException | EOFException ex) {
        problems.add(e.name() + ": " + describe(ex));
      }
    }
    if (firstIncompatible != null) {
      throw new IncompatibleCheckpointException(firstIncompatible.getMessage() + "; no checkpoint in " + dir
          + " fits this run (resume with the config it was written with, or use another output directory)."
          + " Problems: " + String.join("; ", problems));
    }
    return new Restored<>(null, null, null, List.copyOf(problems));
  }

  // ------------------------------------------------------------------ commit and retention

  /**
   * @param committed what was written
   * @param deleted folders removed by retention afterwards
   * @param problems checkpoints retention found invalid (kept when newer than the newest valid)
   */
  public record CommitResult(Checkpoint.Committed committed, List<Path> deleted, List<String> problems) {}

  /** Writes {@code state} as a checkpoint, then applies the retention policy. */
  public CommitResult commit(TrainingState state, CheckpointMeta meta) throws IOException {
    Checkpoint.Committed c = Checkpoint.write(fs, dir, state, meta, protocol);
    verified.put(c.dir().getName(), c.manifest().manifestCrc());
    RetainResult r = retain();
    return new CommitResult(c, r.deleted(), r.problems());
  }

  /**
   * Writes a sharded checkpoint ({@link Checkpoint#writeSharded}: {@code shards} writes the shard
   * files where the shards live, the manifest is written here, last), then applies the retention
   * policy.
   */
  public CommitResult commitSharded(DriverState state, CheckpointMeta meta, Checkpoint.ShardWriter shards)
      throws IOException {
    Checkpoint.Committed c = Checkpoint.writeSharded(fs, dir, state, meta, protocol, shards);
    verified.put(c.dir().getName(), c.manifest().manifestCrc());
    RetainResult r = retain();
    return new CommitResult(c, r.deleted(), r.problems());
  }

  /**
   * @param kept valid checkpoints kept, newest first
   * @param deleted folders removed
   * @param problems invalid checkpoints found, and why
   */
  public record RetainResult(List<Path> kept, List<Path> deleted, List<String> problems) {}

  /**
   * Applies the retention policy. Keeps the newest {@code keepLast} valid checkpoints and the best
   * valid one by the policy's metric. The newest valid checkpoint is verified in full (every byte
   * against its CRC32C) before anything is deleted; older ones this store has verified before are
   * checked by manifest and sizes. Deletes other valid checkpoints, invalid ones older than the
   * newest valid one, and interrupted writes ({@code _tmp-}, {@code _old-}) not newer than it.
   * Deletes nothing while no checkpoint verifies; never deletes anything newer than the newest
   * valid checkpoint (it may be inspected).
   */
  public RetainResult retain() throws IOException {
    List<Entry> all = entries();
    List<Entry> valid = new ArrayList<>();
    List<Manifest> manifests = new ArrayList<>();
    List<Entry> invalid = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (Entry e : all) {
      if (!e.stepFolder()) {
        continue;
      }
      try {
        // the newest valid checkpoint justifies every deletion: read it in full, whatever the cache says
        manifests.add(valid.isEmpty() ? Checkpoint.verify(fs, e.path()) : verifyCached(e));
        valid.add(e);
      } catch (CheckpointException | ChecksumException | EOFException ex) {
        invalid.add(e);
        problems.add(e.name() + ": " + describe(ex));
      }
    }
    if (valid.isEmpty()) {
      return new RetainResult(List.of(), List.of(), List.copyOf(problems));
    }
    long newestValid = valid.get(0).step();
    boolean[] keep = new boolean[valid.size()];
    for (int i = 0; i < valid.size() && i < retention.keepLast(); i++) {
      keep[i] = true;
    }
    if (retention.bestMetric() != null) {
      int best = -1;
      double bestValue = Double.NaN;
      for (int i = 0; i < valid.size(); i++) {
        double v = manifests.get(i).extraMetric(retention.bestMetric());
        if (Double.isNaN(v)) {
          continue;
        }
        if (best < 0 || (retention.higherIsBetter() ? v > bestValue : v < bestValue)) {
          best = i;
          bestValue = v;
        }
      }
      if (best >= 0) {
        keep[best] = true;
      }
    }
    List<Path> kept = new ArrayList<>();
    List<Path> doomed = new ArrayList<>();
    for (int i = 0; i < valid.size(); i++) {
      (keep[i] ? kept : doomed).add(valid.get(i).path());
    }
    for (Entry e : invalid) {
      if (e.step() < newestValid) {
        doomed.add(e.path());
      }
    }
    for (Entry e : all) {
      if (!e.stepFolder() && e.step() <= newestValid) {
        doomed.add(e.path());
      }
    }
    List<Path> deleted = new ArrayList<>();
    for (Path p : doomed) {
      verified.remove(p.getName());
      if (fs.delete(p, true)) {
        deleted.add(p);
      }
    }
    Collections.sort(deleted);
    return new RetainResult(List.copyOf(kept), List.copyOf(deleted), List.copyOf(problems));
  }
}
