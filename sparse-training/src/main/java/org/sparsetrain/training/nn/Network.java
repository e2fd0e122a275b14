package org.sparsetrain.training.nn;

import java.util.Arrays;
import java.util.List;

/**
 * A multi-layer perceptron: linear layers with one hidden activation between them and a loss on
 * the last layer. Gradients go into one flat {@code float[]} laid out by {@link #layout()}
 * (layer 0 weights, layer 0 bias, layer 1 weights, …), so summing the gradients of many
 * partitions is a flat array sum of O(nnz).
 */
public final class Network {
  private final Layer[] layers;
  private final Activation hidden;
  private final Loss loss;

  public Network(List<? extends Layer> layers, Activation hidden, Loss loss) {
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("a network needs at least one layer");
    }
    this.layers = layers.toArray(new Layer[0]);
    for (int l = 1; l < this.layers.length; l++) {
      if (this.layers[l].inFeatures() != this.layers[l - 1].outFeatures()) {
        throw new IllegalArgumentException("layer " + l + " takes " + this.layers[l].inFeatures()
            + " inputs but layer " + (l - 1) + " gives " + this.layers[l - 1].outFeatures());
      }
    }
    this.hidden = hidden;
    this.loss = loss;
  }

  public int layerCount() { return layers.length; }
  public Layer layer(int l) { return layers[l]; }
  public Activation hiddenActivation() { return hidden; }
  public Loss loss() { return loss; }
  public int inputs() { return layers[0].inFeatures(); }
  public int classes() { return layers[layers.length - 1].outFeatures(); }

  /** Replaces layer l by one of the same shape (e.g. after a structure change). */
  public void setLayer(int l, Layer layer) {
    if (layer.inFeatures() != layers[l].inFeatures() || layer.outFeatures() != layers[l].outFeatures()) {
      throw new IllegalArgumentException("layer " + l + " shape mismatch");
    }
    layers[l] = layer;
  }

  /** Layer sizes, e.g. [784, 300, 100, 10]. */
  public int[] sizes() {
    int[] s = new int[layers.length + 1];
    s[0] = inputs();
    for (int l = 0; l < layers.length; l++) {
      s[l + 1] = layers[l].outFeatures();
    }
    return s;
  }

  /** Offsets of each layer's weights and bias in the flat gradient / parameter vector. */
  public ParameterLayout layout() {
    int[] nnz = new int[layers.length];
    int[] out = new int[layers.length];
    for (int l = 0; l < layers.length; l++) {
      nnz[l] = layers[l].nnz();
      out[l] = layers[l].outFeatures();
    }
    return new ParameterLayout(nnz, out);
  }

  /** A deep copy. */
  public Network copy() {
    Layer[] c = new Layer[layers.length];
    for (int l = 0; l < layers.length; l++) {
      c[l] = layers[l].copy();
    }
    return new Network(Arrays.asList(c), hidden, loss);
  }

  /** Scratch space for one batch size; one per thread. */
  public Workspace workspace(int batchCapacity) {
    return new Workspace(sizes(), batchCapacity);
  }

  /**
   * Forward pass; returns the logits array of the workspace (class-major, {@code batch} wide, from
   * index 0). The layers read their inputs from rows that start on a cache line (a third faster,
   * see {@link Alignment}): each hidden layer's output is written from its array's aligned offset,
   * and x is copied to an aligned buffer when its own data is not aligned.
   */
  public float[] forward(float[] x, int batch, Workspace ws) {
    ws.check(batch, inputs());
    ws.batch = batch;
    float[] in = x;
    int io = 0;
    if (Alignment.offset(x) != 0) {
      io = Alignment.offset(ws.in);
      System.arraycopy(x, 0, ws.in, io, inputs() * batch);
      in = ws.in;
    }
    ws.acts[0] = in;
    ws.actOff[0] = io;
    int last = layers.length - 1;
    for (int l = 0; l <= last; l++) {
      float[] y = ws.outs[l];
      // the logits stay at 0, where the loss and the callers read them
      int yo = l < last ? Alignment.offset(y) : 0;
      layers[l].forward(in, io, batch, y, yo);
      if (l < last) {
        hidden.forward(y, yo, layers[l].outFeatures() * batch);
      }
      ws.acts[l + 1] = y;
      ws.actOff[l + 1] = yo;
      in = y;
      io = yo;
    }
    return in;
  }

  /**
   * Forward and backward on a batch given feature-major ({@code x[f * batch + b]}). Adds
   * {@code scale · ∂(Σ_b loss_b)/∂θ} into {@code grad} (laid out by {@code layout}) and returns the
   * summed loss and the number of correct predictions. The workspace keeps the activations and
   * deltas afterwards, for growth criteria that need dense gradients.
   */
  public BatchStats accumulateGradient(float[] x, int batch, int[] labels, int labelOffset, float scale,
                                       float[] grad, ParameterLayout layout, Workspace ws) {
    return accumulateGradient(x, batch, batch, labels, labelOffset, scale, grad, layout, ws);
  }

  /**
   * As {@link #accumulateGradient(float[], int, int[], int, float, float[], ParameterLayout, Workspace)}
   * on the first {@code rows} of {@code lanes} batch columns: the other lanes are padding (their
   * inputs must be zero), get a zero loss gradient and so add exactly nothing. Padding a batch to
   * whole vectors keeps the kernels off their scalar tails.
   */
  public BatchStats accumulateGradient(float[] x, int rows, int lanes, int[] labels, int labelOffset, float scale,
                                       float[] grad, ParameterLayout layout, Workspace ws) {
    if (rows <= 0 || rows > lanes) {
      throw new IllegalArgumentException(rows + " rows in a batch of " + lanes + " lanes");
    }
    float[] logits = forward(x, lanes, ws);
    int classes = classes();
    long correct = countCorrect(logits, classes, lanes, rows, labels, labelOffset);
    int last = layers.length - 1;
    float[] delta = ws.deltas[last];
    double lossSum = loss.lossAndDelta(logits, classes, lanes, rows, labels, labelOffset, scale, delta);
    for (int c = 0; rows < lanes && c < classes; c++) {
      Arrays.fill(delta, c * lanes + rows, (c + 1) * lanes, 0f);
    }
    for (int l = last; l >= 0; l--) {
      float[] dx = null;
      int dxo = 0;
      int n = layers[l].inFeatures() * lanes;
      if (l > 0) {
        // the input gradient from a cache line too: the layer below streams its rows
        dx = ws.deltas[l - 1];
        dxo = Alignment.offset(dx);
        ws.deltaOff[l - 1] = dxo;
        Arrays.fill(dx, dxo, dxo + n, 0f);
      }
      layers[l].backward(ws.acts[l], ws.actOff[l], ws.deltas[l], ws.deltaOff[l], lanes, grad, layout.weightOffset(l),
          grad, layout.biasOffset(l), dx, dxo);
      if (l > 0) {
        hidden.backward(ws.acts[l], ws.actOff[l], dx, dxo, n);
      }
    }
    return new BatchStats(lossSum, correct, rows);
  }

  /** Summed loss and correct count of a batch without gradients. */
  public BatchStats evaluate(float[] x, int batch, int[] labels, int labelOffset, Workspace ws) {
    float[] logits = forward(x, batch, ws);
    int classes = classes();
    long correct = countCorrect(logits, classes, batch, batch, labels, labelOffset);
    float[] delta = ws.deltas[layers.length - 1];
    double lossSum = loss.lossAndDelta(logits, classes, batch, batch, labels, labelOffset, 0f, delta);
    return new BatchStats(lossSum, correct, batch);
  }

  private static long countCorrect(float[] logits, int classes, int batch, int rows, int[] labels, int off) {
    long correct = 0;
    for (int b = 0; b < rows; b++) {
      if (argmax(logits, classes, batch, b) == labels[off + b]) {
        correct++;
      }
    }
    return correct;
  }

  /** Index of the largest of {@code z[c * batch + b]} over c; the lowest index wins ties. */
  public static int argmax(float[] z, int classes, int batch, int b) {
    int best = 0;
    float bv = z[b];
    for (int c = 1; c < classes; c++) {
      float v = z[c * batch + b];
      if (v > bv) {
        bv = v;
        best = c;
      }
    }
    return best;
  }

  /** Total stored weights (non-zeros) over all layers, biases excluded. */
  public long nnz() {
    long n = 0;
    for (Layer l : layers) {
      n += l.nnz();
    }
    return n;
  }

  /** Total dense weight count Σ in·out, biases excluded. */
  public long denseWeights() {
    long n = 0;
    for (Layer l : layers) {
      n += (long) l.inFeatures() * l.outFeatures();
    }
    return n;
  }

  /** Per-layer density. */
  public double[] densities() {
    double[] d = new double[layers.length];
    for (int l = 0; l < layers.length; l++) {
      d[l] = layers[l].density();
    }
    return d;
  }

  /**
   * Activations, outputs and deltas for one batch capacity. Each array but the logits and the last
   * layer's delta has a cache line of padding, and holds its data from the offset recorded next to
   * it ({@code actOff}, {@code deltaOff}): where the array was aligned when the data was written.
   */
  public static final class Workspace {
    final int[] sizes;
    /** The network's input, copied here when the caller's array is not aligned. */
    final float[] in;
    final float[][] acts;
    final int[] actOff;
    final float[][] outs;
    final float[][] deltas;
    final int[] deltaOff;
    final int capacity;
    int batch;

    Workspace(int[] sizes, int capacity) {
      int n = sizes.length - 1;
      int pad = Alignment.LINE_FLOATS;
      this.sizes = sizes.clone();
      this.capacity = capacity;
      in = new float[sizes[0] * capacity + pad];
      acts = new float[n + 1][];
      actOff = new int[n + 1];
      outs = new float[n][];
      deltas = new float[n][];
      deltaOff = new int[n];
      for (int l = 0; l < n; l++) {
        int extra = l < n - 1 ? pad : 0;
        outs[l] = new float[sizes[l + 1] * capacity + extra];
        deltas[l] = new float[sizes[l + 1] * capacity + extra];
      }
    }

    void check(int batch, int inputs) {
      if (batch > capacity || batch <= 0) {
        throw new IllegalArgumentException("batch " + batch + " outside workspace capacity " + capacity);
      }
    }

    /** Input to layer l from the last forward pass (feature-major, from index 0). */
    public float[] input(int l) {
      return fromZero(acts[l], actOff, l, sizes[l]);
    }

    /** ∂loss/∂(pre-activation output) of layer l from the last backward pass (from index 0). */
    public float[] delta(int l) {
      return fromZero(deltas[l], deltaOff, l, sizes[l + 1]);
    }

    /**
     * The array with its data moved to index 0 (once; mask updates ask for a few layers' data, every
     * step's passes keep theirs aligned).
     */
    private float[] fromZero(float[] a, int[] offsets, int i, int size) {
      if (offsets[i] != 0) {
        System.arraycopy(a, offsets[i], a, 0, size * batch);
        offsets[i] = 0;
      }
      return a;
    }

    /** Batch size of the last pass. */
    public int batch() { return batch; }
  }
}
