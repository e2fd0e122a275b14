package org.sparsetrain.data;

import static org.apache.spark.sql.functions.col;

import java.util.Locale;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.stat.Summarizer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Fits feature scaling on the training split only, on the cluster (one pass of Spark's
 * {@link Summarizer}, which handles sparse vectors without densifying them); apply the returned
 * {@link ScalerModel} to the training, validation and test data alike.
 *
 * <ul>
 *   <li>{@link Method#MIN_MAX}: {@code (x − min) / (max − min)}, [0, 1] on the training data;</li>
 *   <li>{@link Method#STANDARD}: {@code (x − mean) / std} (sample standard deviation);</li>
 *   <li>{@link Method#STANDARD_NO_MEAN}: {@code x / std}, which keeps sparse rows sparse.</li>
 * </ul>
 * A constant feature (max = min, or std = 0) gets scale 1, so it maps to 0 and stays finite.
 */
public final class FeatureScaler {
  private FeatureScaler() {}

  public enum Method {
    MIN_MAX("minmax"), STANDARD("standard"), STANDARD_NO_MEAN("standard_no_mean");

    private final String key;

    Method(String key) {
      this.key = key;
    }

    public String key() {
      return key;
    }

    /** Parses {@code minmax}, {@code standard} or {@code standard_no_mean}. */
    public static Method parse(String s) {
      String k = s.trim().toLowerCase(Locale.ROOT).replace('-', '_');
      for (Method m : values()) {
        if (m.key.equals(k) || m.name().equalsIgnoreCase(k)) {
          return m;
        }
      }
      throw new IllegalArgumentException("unknown normalisation '" + s + "' (known: minmax, standard, standard_no_mean)");
    }
  }

  /** Fits on {@code train}'s {@code features} column (validated data: no nulls, one size). */
  public static ScalerModel fit(Dataset<Row> train, Method method) {
    Row r = train.select(Summarizer.metrics("count", "min", "max", "mean", "std").summary(col(Columns.FEATURES)).as("s"))
        .first().getStruct(0);
    long count = r.getLong(0);
    if (count == 0) {
      throw new IllegalArgumentException("cannot fit a scaler on an empty training set");
    }
    double[] min = ((Vector) r.get(1)).toArray();
    double[] max = ((Vector) r.get(2)).toArray();
    double[] mean = ((Vector) r.get(3)).toArray();
    double[] std = ((Vector) r.get(4)).toArray();
    int n = min.length;
    double[] shift = new double[n];
    double[] scale = new double[n];
    for (int i = 0; i < n; i++) {
      switch (method) {
        case MIN_MAX -> {
          shift[i] = min[i];
          double range = max[i] - min[i];
          scale[i] = range > 0 ? 1.0 / range : 1.0;
        }
        case STANDARD, STANDARD_NO_MEAN -> {
          shift[i] = method == Method.STANDARD ? mean[i] : 0.0;
          scale[i] = std[i] > 0 && Double.isFinite(std[i]) ? 1.0 / std[i] : 1.0;
        }
        default -> throw new IllegalStateException(method.toString());
      }
    }
    return new ScalerModel(method, shift, scale);
  }
}
