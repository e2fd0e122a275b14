package org.sparsetrain.jobs.ml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsReader$;
import org.apache.spark.ml.util.DefaultParamsWriter$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.DenseLinear;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.SparseLinear;
import scala.Option;

/**
 * A trained sparse multi-layer perceptron as a Spark ML {@code Transformer}: adds
 * {@code rawPrediction} (the logits), {@code probability} (their softmax) and {@code prediction}
 * (the most probable class, or by {@code thresholds}). The weights are the trained network's
 * CSR layers; {@link #masks()}, {@link #densities()} and {@link #network()} expose them.
 *
 * <p><b>Persistence</b> ({@code model.write().overwrite().save(path)},
 * {@code SparseMLPClassificationModel.load(path)}), Spark ML's shape: {@code path/metadata} is one
 * line of JSON (class, Spark version, uid, params, and {@code formatVersion}, {@code layerSizes},
 * {@code activation}); {@code path/data} is Parquet, one row per weight layer
 * {@code (layer, in, out, dense, rowPtr, colIdx, values, bias)}. The reader branches on
 * {@code formatVersion} ({@value #FORMAT_VERSION} now) and refuses versions it does not know.
 * Values are stored as 32-bit floats, exactly as trained, so a loaded model predicts identically.
 */
public final class SparseMLPClassificationModel
    extends ProbabilisticClassificationModel<Vector, SparseMLPClassificationModel>
    implements SparseMLPParams, MLWritable {
  private static final long serialVersionUID = 1L;

  /** Version of the saved layout written by this build. */
  public static final int FORMAT_VERSION = 1;

  private String uid;
  private ParamSet params;
  private final Weights weights;
  private transient volatile Network network;
  private transient volatile ThreadLocal<Network.Workspace> workspaces;

  /** The layers of a trained network as plain arrays (what prediction closures carry to executors). */
  static final class Weights implements Serializable {
    private static final long serialVersionUID = 1L;
    final int[] sizes;
    final String activation;
    final boolean[] dense;
    final int[][] rowPtr;
    final int[][] colIdx;
    final float[][] values;
    final float[][] bias;

    Weights(int[] sizes, String activation, boolean[] dense, int[][] rowPtr, int[][] colIdx, float[][] values,
            float[][] bias) {
      int n = sizes.length - 1;
      if (n < 1 || dense.length != n || rowPtr.length != n || colIdx.length != n || values.length != n || bias.length != n) {
        throw new IllegalArgumentException("inconsistent model: " + n + " weight layers for sizes " + Arrays.toString(sizes));
      }
      this.sizes = sizes;
      this.activation = activation;
      this.dense = dense;
      this.rowPtr = rowPtr;
      this.colIdx = colIdx;
      this.values = values;
      this.bias = bias;
      build(); // validates the CSR arrays
    }

    static Weights of(Network net) {
      int n = net.layerCount();
      boolean[] dense = new boolean[n];
      int[][] rp = new int[n][];
      int[][] ci = new int[n][];
      float[][] v = new float[n][];
      float[][] b = new float[n][];
      for (int l = 0; l < n; l++) {
        Layer layer = net.layer(l);
        dense[l] = !layer.isSparse();
        rp[l] = layer.rowPtr().clone();
        ci[l] = layer.colIdx().clone();
        v[l] = layer.values().clone();
        b[l] = layer.bias().clone();
      }
      return new Weights(net.sizes(), net.hiddenActivation().key(), dense, rp, ci, v, b);
    }

    Network build() {
      List<Layer> layers = new ArrayList<>();
      for (int l = 0; l < sizes.length - 1; l++) {
        int in = sizes[l];
        int out = sizes[l + 1];
        layers.add(dense[l] ? new DenseLinear(in, out, values[l].clone(), bias[l].clone())
            : new SparseLinear(in, out, rowPtr[l].clone(), colIdx[l].clone(), values[l].clone(), bias[l].clone()));
      }
      return new Network(layers, Activation.parse(activation), Loss.SOFTMAX_CROSS_ENTROPY);
    }
  }

  /** The CSR structure of one weight layer (out rows × in columns): row r holds {@code colIdx[rowPtr[r] .. rowPtr[r+1])}. */
  public record LayerMask(int layer, int in, int out, int[] rowPtr, int[] colIdx) {
    public long nnz() { return colIdx.length; }
    public double density() { return colIdx.length / ((double) in * out); }
  }

  SparseMLPClassificationModel(String uid, Weights weights) {
    this(Uids.stage(uid, "sparseMLP"), weights);
  }

  private SparseMLPClassificationModel(Uids.Staged staged, Weights weights) {
    super();
    uid();
    this.params = new ParamSet(this);
    params.setDefaults(this);
    this.weights = weights;
  }

  /** A model around a trained network (copied), e.g. one trained by the plain Java API. */
  public static SparseMLPClassificationModel fromNetwork(Network network) {
    return new SparseMLPClassificationModel((String) null, Weights.of(network));
  }

  @Override
  public String uid() {
    if (uid == null) {
      uid = Uids.take();
    }
    return uid;
  }

  @Override
  public ParamSet paramSet() {
    if (params == null) { // only while the Scala super constructors run
      throw new IllegalStateException("params are not created yet");
    }
    return params;
  }

  /** Overridden only because javac sees this Scala-internal method twice in the class hierarchy. */
  @Override
  @SuppressWarnings("rawtypes")
  public scala.Tuple3 findSummaryModel() {
    return super.findSummaryModel();
  }

  @Override
  public int numClasses() {
    return weights.sizes[weights.sizes.length - 1];
  }

  @Override
  public int numFeatures() {
    return weights.sizes[0];
  }

  /** Layer sizes, input first and classes last, e.g. [784, 300, 100, 10]. */
  public int[] layerSizes() {
    return weights.sizes.clone();
  }

  /** Density (non-zeros / in·out) of each weight layer. */
  public double[] densities() {
    double[] d = new double[weights.sizes.length - 1];
    for (int l = 0; l < d.length; l++) {
      d[l] = weights.colIdx[l].length / ((double) weights.sizes[l] * weights.sizes[l + 1]);
    }
    return d;
  }

  /** Non-zero weights over all layers divided by the dense weight count (biases excluded). */
  public double globalDensity() {
    long nnz = 0;
    long all = 0;
    for (int l = 0; l < weights.sizes.length - 1; l++) {
      nnz += weights.colIdx[l].length;
      all += (long) weights.sizes[l] * weights.sizes[l + 1];
    }
    return nnz / (double) all;
  }

  /** The mask of every weight layer (copies). */
  public List<LayerMask> masks() {
    List<LayerMask> m = new ArrayList<>();
    for (int l = 0; l < weights.sizes.length - 1; l++) {
      m.add(new LayerMask(l, weights.sizes[l], weights.sizes[l + 1], weights.rowPtr[l].clone(), weights.colIdx[l].clone()));
    }
    return m;
  }

  /** The masks as a data frame of the active connections: {@code (layer, row, col)}, row = output neuron. */
  public Dataset<Row> masksDataFrame(SparkSession spark) {
    List<Row> rows = new ArrayList<>();
    for (LayerMask m : masks()) {
      for (int r = 0; r < m.out(); r++) {
        for (int k = m.rowPtr()[r]; k < m.rowPtr()[r + 1]; k++) {
          rows.add(RowFactory.create(m.layer(), r, m.colIdx()[k]));
        }
      }
    }
    StructType schema = new StructType().add("layer", DataTypes.IntegerType, false)
        .add("row", DataTypes.IntegerType, false).add("col", DataTypes.IntegerType, false);
    return spark.createDataFrame(rows, schema);
  }

  /** A copy of the trained network, for the plain Java API (forward passes, fingerprints, export). */
  public Network network() {
    return weights.build();
  }

  private Network net() {
    Network n = network;
    if (n == null) {
      synchronized (this) {
        if (network == null) {
          Network built = weights.build();
          workspaces = ThreadLocal.withInitial(() -> built.workspace(1));
          network = built; // published last: a thread that sees it also sees the workspaces
        }
        n = network;
      }
    }
    return n;
  }

  /** The logits of one row. */
  @Override
  public Vector predictRaw(Vector features) {
    int f = numFeatures();
    if (features.size() != f) {
      throw new IllegalArgumentException("the model takes " + f + " features, got a vector of size " + features.size());
    }
    float[] x = new float[f];
    if (features instanceof DenseVector d) {
      double[] v = d.values();
      for (int i = 0; i < f; i++) {
        x[i] = (float) v[i];
      }
    } else {
      SparseVector s = (SparseVector) features;
      int[] idx = s.indices();
      double[] v = s.values();
      for (int k = 0; k < idx.length; k++) {
        x[idx[k]] = (float) v[k];
      }
    }
    Network n = net();
    float[] z = n.forward(x, 1, workspaces.get());
    double[] raw = new double[numClasses()];
    for (int c = 0; c < raw.length; c++) {
      raw[c] = z[c];
    }
    return Vectors.dense(raw);
  }

  /** Softmax, computed stably (the largest logit subtracted first). */
  @Override
  public Vector raw2probabilityInPlace(Vector rawPrediction) {
    if (!(rawPrediction instanceof DenseVector d)) {
      throw new IllegalArgumentException("raw predictions are dense vectors, got " + rawPrediction.getClass().getName());
    }
    double[] v = d.values();
    double max = Double.NEGATIVE_INFINITY;
    for (double x : v) {
      max = Math.max(max, x);
    }
    double sum = 0;
    for (int i = 0; i < v.length; i++) {
      v[i] = Math.exp(v[i] - max);
      sum += v[i];
    }
    for (int i = 0; i < v.length; i++) {
      v[i] /= sum;
    }
    return d;
  }

  @Override
  public SparseMLPClassificationModel copy(ParamMap extra) {
    SparseMLPClassificationModel m = new SparseMLPClassificationModel(uid(), weights);
    return copyValues(m, extra).setParent(parent());
  }

  @Override
  public String toString() {
    return "SparseMLPClassificationModel: uid=" + uid() + ", layers=" + Arrays.toString(weights.sizes)
        + String.format(java.util.Locale.ROOT, ", density=%.4f", globalDensity());
  }

  // ------------------------------------------------------------------ persistence

  @Override
  public MLWriter write() {
    return new Writer(this);
  }

  public static MLReader<SparseMLPClassificationModel> read() {
    return new Reader();
  }

  public static SparseMLPClassificationModel load(String path) {
    return read().load(path);
  }

  static final StructType DATA_SCHEMA = new StructType()
      .add("layer", DataTypes.IntegerType, false)
      .add("in", DataTypes.IntegerType, false)
      .add("out", DataTypes.IntegerType, false)
      .add("dense", DataTypes.BooleanType, false)
      .add("rowPtr", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
      .add("colIdx", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
      .add("values", DataTypes.createArrayType(DataTypes.FloatType, false), false)
      .add("bias", DataTypes.createArrayType(DataTypes.FloatType, false), false);

  private static final class Writer extends MLWriter {
    private final SparseMLPClassificationModel model;

    Writer(SparseMLPClassificationModel model) {
      this.model = model;
    }

    @Override
    public void saveImpl(String path) {
      Weights w = model.weights;
      ObjectMapper json = new ObjectMapper();
      var extra = json.createObjectNode();
      extra.put("formatVersion", FORMAT_VERSION);
      var sizes = extra.putArray("layerSizes");
      for (int s : w.sizes) {
        sizes.add(s);
      }
      extra.put("activation", w.activation);
      org.json4s.JValue parsed = org.json4s.jackson.JsonMethods$.MODULE$.fromJsonNode(extra);
      DefaultParamsWriter$.MODULE$.saveMetadata(model, path, sparkSession(), Option.apply((org.json4s.JObject) parsed));
      List<Row> rows = new ArrayList<>();
      for (int l = 0; l < w.sizes.length - 1; l++) {
        rows.add(RowFactory.create(l, w.sizes[l], w.sizes[l + 1], w.dense[l], w.rowPtr[l], w.colIdx[l], w.values[l], w.bias[l]));
      }
      sparkSession().createDataFrame(rows, DATA_SCHEMA).repartition(1).write().parquet(new org.apache.hadoop.fs.Path(path, "data").toString());
    }
  }

  private static final class Reader extends MLReader<SparseMLPClassificationModel> {
    @Override
    public SparseMLPClassificationModel load(String path) {
      DefaultParamsReader.Metadata meta = DefaultParamsReader$.MODULE$.loadMetadata(path, sparkSession(),
          SparseMLPClassificationModel.class.getName());
      JsonNode root;
      try {
        root = new ObjectMapper().readTree(meta.metadataJson());
      } catch (IOException e) {
        throw new UncheckedIOException("unreadable model metadata in " + path, e);
      }
      int version = root.path("formatVersion").asInt(-1);
      Weights weights = switch (version) {
        case 1 -> readV1(path, root);
        default -> throw new IllegalArgumentException("model at " + path + " has format version " + version
            + "; this build reads version " + FORMAT_VERSION + " (saved by a newer sparsetrain?)");
      };
      SparseMLPClassificationModel model = new SparseMLPClassificationModel(meta.uid(), weights);
      meta.getAndSetParams(model, Option.empty());
      return model;
    }

    private Weights readV1(String path, JsonNode root) {
      JsonNode s = root.path("layerSizes");
      int[] sizes = new int[s.size()];
      for (int i = 0; i < sizes.length; i++) {
        sizes[i] = s.get(i).asInt();
      }
      String activation = root.path("activation").asText("relu");
      List<Row> rows = new ArrayList<>(sparkSession().read().schema(DATA_SCHEMA)
          .parquet(new org.apache.hadoop.fs.Path(path, "data").toString()).collectAsList());
      rows.sort(Comparator.comparingInt(r -> r.getInt(0)));
      int n = sizes.length - 1;
      if (rows.size() != n) {
        throw new IllegalArgumentException("model at " + path + " has " + rows.size() + " layer rows for sizes "
            + Arrays.toString(sizes));
      }
      boolean[] dense = new boolean[n];
      int[][] rp = new int[n][];
      int[][] ci = new int[n][];
      float[][] v = new float[n][];
      float[][] b = new float[n][];
      for (int l = 0; l < n; l++) {
        Row r = rows.get(l);
        if (r.getInt(0) != l || r.getInt(1) != sizes[l] || r.getInt(2) != sizes[l + 1]) {
          throw new IllegalArgumentException("model at " + path + ": layer row " + r.getInt(0) + " is " + r.getInt(1)
              + "x" + r.getInt(2) + ", expected layer " + l + " of " + sizes[l] + "x" + sizes[l + 1]);
        }
        dense[l] = r.getBoolean(3);
        rp[l] = ints(r.getList(4));
        ci[l] = ints(r.getList(5));
        v[l] = floats(r.getList(6));
        b[l] = floats(r.getList(7));
      }
      return new Weights(sizes, activation, dense, rp, ci, v, b);
    }

    private static int[] ints(List<Integer> l) {
      int[] a = new int[l.size()];
      for (int i = 0; i < a.length; i++) {
        a[i] = l.get(i);
      }
      return a;
    }

    private static float[] floats(List<Float> l) {
      float[] a = new float[l.size()];
      for (int i = 0; i < a.length; i++) {
        a[i] = l.get(i);
      }
      return a;
    }
  }
}
