package org.sparsetrain.data;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.sparsetrain.training.data.DataBlock;

/**
 * Fitted feature scaling {@code x' = (x − shift) · scale}, per feature, as {@link FeatureScaler}
 * fits it on the training split. Small and serialisable; saved as one JSON object
 * ({@code {"format":"sparsetrain.scaler","version":1,"method":…,"features":n,"shift":[…],"scale":[…]}})
 * next to the model so evaluation applies exactly the same transform to data frames or blocks.
 * A sparse vector stays sparse when every shift is 0 (min-max of non-negative data, or
 * standardisation without centring).
 */
public final class ScalerModel implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final String FORMAT = "sparsetrain.scaler";
  public static final int VERSION = 1;

  private final FeatureScaler.Method method;
  private final double[] shift;
  private final double[] scale;
  private final boolean zeroShift;

  public ScalerModel(FeatureScaler.Method method, double[] shift, double[] scale) {
    if (shift.length != scale.length) {
      throw new IllegalArgumentException("shift has " + shift.length + " values but scale has " + scale.length);
    }
    for (int i = 0; i < shift.length; i++) {
      if (!Double.isFinite(shift[i]) || !Double.isFinite(scale[i])) {
        throw new IllegalArgumentException("feature " + i + ": shift " + shift[i] + " and scale " + scale[i] + " must be finite");
      }
    }
    this.method = method;
    this.shift = shift.clone();
    this.scale = scale.clone();
    boolean z = true;
    for (double s : shift) {
      z &= s == 0;
    }
    this.zeroShift = z;
  }

  public FeatureScaler.Method method() { return method; }
  public int features() { return shift.length; }
  public double[] shift() { return shift.clone(); }
  public double[] scale() { return scale.clone(); }

  /** The transformed vector (sparse stays sparse when every shift is 0). */
  public Vector apply(Vector v) {
    if (v.size() != shift.length) {
      throw new IllegalArgumentException("vector of " + v.size() + " features, the scaler was fitted on " + shift.length);
    }
    if (v instanceof SparseVector sv && zeroShift) {
      int[] idx = sv.indices();
      double[] val = sv.values();
      double[] out = new double[val.length];
      for (int k = 0; k < val.length; k++) {
        out[k] = val[k] * scale[idx[k]];
      }
      return Vectors.sparse(sv.size(), idx.clone(), out);
    }
    double[] x = v instanceof DenseVector dv ? dv.values().clone() : v.toArray();
    for (int i = 0; i < x.length; i++) {
      x[i] = (x[i] - shift[i]) * scale[i];
    }
    return Vectors.dense(x);
  }

  /** The frame with its {@code features} column transformed; other columns are kept. */
  public Dataset<Row> transform(Dataset<Row> data) {
    ScalerModel self = this;
    UDF1<Vector, Vector> f = v -> v == null ? null : self.apply(v);
    return data.withColumn(Columns.FEATURES, udf(f, SQLDataTypes.VectorType()).apply(col(Columns.FEATURES)));
  }

  /** A transformed copy of a block (dense stays dense; sparse stays sparse only when every shift is 0). */
  public DataBlock apply(DataBlock b) {
    if (b.features() != shift.length) {
      throw new IllegalArgumentException("block of " + b.features() + " features, the scaler was fitted on " + shift.length);
    }
    int n = b.rows();
    int f = b.features();
    float[] x = new float[n * f];
    for (int r = 0; r < n; r++) {
      float[] row = b.row(r);
      for (int i = 0; i < f; i++) {
        x[r * f + i] = (float) ((row[i] - shift[i]) * scale[i]);
      }
    }
    if (!b.isSparse() || !zeroShift) {
      return DataBlock.dense(b.firstRow(), f, x, b.labels().clone());
    }
    return BlockPacker.toCsr(b.firstRow(), f, x, b.labels().clone());
  }

  // ---------------------------------------------------------------- JSON

  public String toJson() {
    ObjectMapper m = new ObjectMapper();
    ObjectNode o = m.createObjectNode();
    o.put("format", FORMAT);
    o.put("version", VERSION);
    o.put("method", method.key());
    o.put("features", shift.length);
    ArrayNode sh = o.putArray("shift");
    for (double d : shift) {
      sh.add(d);
    }
    ArrayNode sc = o.putArray("scale");
    for (double d : scale) {
      sc.add(d);
    }
    return o.toString();
  }

  /** Parses {@link #toJson()} output; {@code source} names the text in errors. */
  public static ScalerModel fromJson(String json, String source) {
    JsonNode o;
    try {
      o = new ObjectMapper().readTree(json);
    } catch (IOException e) {
      throw new DataException(source, "not JSON: " + e.getMessage(), e);
    }
    if (o == null || !o.isObject() || !FORMAT.equals(o.path("format").asText())) {
      throw new DataException(source, "not a scaler: \"format\" is not \"" + FORMAT + "\"");
    }
    int version = o.path("version").asInt(-1);
    if (version != VERSION) {
      throw new DataException(source, "unsupported scaler version " + o.path("version") + " (this build reads " + VERSION + ")");
    }
    FeatureScaler.Method method = FeatureScaler.Method.parse(o.path("method").asText());
    double[] shift = doubles(o.path("shift"), "shift", source);
    double[] scale = doubles(o.path("scale"), "scale", source);
    int n = o.path("features").asInt(-1);
    if (shift.length != n || scale.length != n) {
      throw new DataException(source, "\"features\" is " + n + " but shift has " + shift.length + " and scale " + scale.length + " values");
    }
    try {
      return new ScalerModel(method, shift, scale);
    } catch (IllegalArgumentException e) {
      throw new DataException(source, e.getMessage());
    }
  }

  private static double[] doubles(JsonNode a, String name, String source) {
    if (!a.isArray()) {
      throw new DataException(source, "\"" + name + "\" is not an array");
    }
    double[] d = new double[a.size()];
    for (int i = 0; i < d.length; i++) {
      if (!a.get(i).isNumber()) {
        throw new DataException(source, "\"" + name + "\"[" + i + "] is not a number");
      }
      d[i] = a.get(i).asDouble();
    }
    return d;
  }

  /** Writes the JSON to {@code path} (any Hadoop file system), replacing an existing file. */
  public void save(String path, Configuration conf) {
    Path p = new Path(path);
    try {
      FileSystem fs = p.getFileSystem(conf);
      try (OutputStream out = fs.create(p, true)) {
        out.write(toJson().getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new DataException(path, "cannot write the scaler: " + e, e);
    }
  }

  public static ScalerModel load(String path, Configuration conf) {
    Path p = new Path(path);
    try {
      FileSystem fs = p.getFileSystem(conf);
      ByteArrayOutputStream bos = new ByteArrayOutputStream();
      try (InputStream in = fs.open(p)) {
        in.transferTo(bos);
      }
      return fromJson(bos.toString(StandardCharsets.UTF_8), path);
    } catch (FileNotFoundException e) {
      throw new DataException(path, "file not found", e);
    } catch (IOException e) {
      throw new DataException(path, "cannot read the scaler: " + e, e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ScalerModel m && m.method == method && Arrays.equals(m.shift, shift) && Arrays.equals(m.scale, scale);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * method.hashCode() + Arrays.hashCode(shift)) + Arrays.hashCode(scale);
  }

  @Override
  public String toString() {
    return "ScalerModel(" + method.key() + ", " + shift.length + " features)";
  }
}
