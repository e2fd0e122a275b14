package org.sparsetrain.jobs.ml;

import org.apache.spark.ml.util.Identifiable;

/**
 * Hands a stage its uid before its super constructor runs. Spark ML's Scala base classes create
 * their params ({@code featuresCol}, …) in their constructors and read {@code uid()} to name the
 * params' parent; a Java subclass cannot assign a field before {@code super()}, so the uid is staged
 * here by the subclass's constructor arguments and taken by the first {@code uid()} call.
 */
final class Uids {
  private static final ThreadLocal<String> STAGED = new ThreadLocal<>();

  private Uids() {}

  /** Token that proves a uid was staged; pass it to the private constructor that calls {@code super()}. */
  static final class Staged {
    private Staged() {}
  }

  private static final Staged TOKEN = new Staged();

  /** Stages {@code uid} (a fresh random one with {@code prefix} if null) for the constructor about to run. */
  static Staged stage(String uid, String prefix) {
    STAGED.set(uid != null ? uid : Identifiable.randomUID(prefix));
    return TOKEN;
  }

  /** Takes the staged uid; fails if none was staged (a constructor forgot to call {@link #stage}). */
  static String take() {
    String s = STAGED.get();
    if (s == null) {
      throw new IllegalStateException("no uid staged for this stage's construction");
    }
    STAGED.remove();
    return s;
  }
}
