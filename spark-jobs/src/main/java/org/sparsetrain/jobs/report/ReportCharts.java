package org.sparsetrain.jobs.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.sparsetrain.jobs.report.RunMetrics.Epoch;
import org.sparsetrain.jobs.report.RunMetrics.MaskUpdate;
import org.sparsetrain.jobs.report.RunMetrics.StepGroup;

/** The XChart charts of a run report; each method builds one chart from parsed metrics or a layer. */
final class ReportCharts {
  static final int WIDTH = 660;
  static final int HEIGHT = 400;
  static final int HEAT_WIDTH = 560;
  static final int HEAT_HEIGHT = 500;
  /** Above this many neurons a degree plot is a filled line, below it one bar per neuron. */
  static final int MAX_BARS = 64;
  /** Square inputs up to this side are drawn as a heat map. */
  static final int MAX_HEAT_SIDE = 128;

  /** Colour-blind-safe palette (Okabe–Ito), one colour per layer or series. */
  static final Color[] PALETTE = {
      new Color(0, 114, 178), new Color(213, 94, 0), new Color(0, 158, 115), new Color(204, 121, 167),
      new Color(230, 159, 0), new Color(86, 180, 233), new Color(120, 120, 120), new Color(0, 0, 0)};

  private static final BasicStroke DASHED =
      new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {6f, 4f}, 0f);

  private ReportCharts() {}

  static Color color(int i) {
    return PALETTE[i % PALETTE.length];
  }

  /** Train and eval loss at the end of every epoch. */
  static XYChart epochLoss(List<Epoch> epochs) {
    XYChart c = xy("Loss per epoch", "epoch", "cross-entropy loss");
    epochAxis(c, epochs.size());
    addEpochSeries(c, "train loss", epochs, Epoch::trainLoss, color(0));
    addEpochSeries(c, "eval loss", epochs, Epoch::evalLoss, color(1));
    fitY(c, values(epochs, Epoch::trainLoss), values(epochs, Epoch::evalLoss));
    return c;
  }

  /** Train and eval accuracy at the end of every epoch. */
  static XYChart epochAccuracy(List<Epoch> epochs) {
    XYChart c = xy("Accuracy per epoch", "epoch", "accuracy");
    epochAxis(c, epochs.size());
    addEpochSeries(c, "train accuracy", epochs, Epoch::trainAccuracy, color(0));
    addEpochSeries(c, "eval accuracy", epochs, Epoch::evalAccuracy, color(1));
    fitY(c, values(epochs, Epoch::trainAccuracy), values(epochs, Epoch::evalAccuracy));
    c.getStyler().setLegendPosition(LegendPosition.InsideSE);
    return c;
  }

  /** Mean training loss of every step group, with the eval loss at each epoch's last step. */
  static XYChart stepLoss(List<StepGroup> steps, List<Epoch> epochs) {
    XYChart c = xy("Training loss over steps", "step", "cross-entropy loss");
    double[] x = new double[steps.size()];
    double[] y = new double[steps.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = steps.get(i).toStep();
      y[i] = steps.get(i).loss();
    }
    marker(add(c, "train loss (mean of step group)", x, y, color(0)), steps.size());
    double[] ex = new double[epochs.size()];
    double[] ey = new double[epochs.size()];
    for (int i = 0; i < ex.length; i++) {
      ex[i] = epochs.get(i).step();
      ey[i] = epochs.get(i).evalLoss();
    }
    XYSeries e = add(c, "eval loss (end of epoch)", ex, ey, color(1));
    if (e != null) {
      e.setXYSeriesRenderStyle(XYSeriesRenderStyle.Scatter);
      e.setMarker(SeriesMarkers.DIAMOND);
    }
    c.getStyler().setXAxisDecimalPattern("#,##0");
    fitY(c, y, ey);
    if (x.length == 1) {
      c.getStyler().setXAxisMin(0.0).setXAxisMax(2 * x[0]);
    }
    return c;
  }

  /** Learning rate at the end of every step group. */
  static XYChart learningRate(List<StepGroup> steps) {
    XYChart c = xy("Learning rate", "step", "learning rate");
    double[] x = new double[steps.size()];
    double[] y = new double[steps.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = steps.get(i).toStep();
      y[i] = steps.get(i).lr();
    }
    marker(add(c, "lr", x, y, color(2)), steps.size());
    c.getStyler().setXAxisDecimalPattern("#,##0").setLegendVisible(false);
    fitY(c, y);
    if (x.length == 1) {
      c.getStyler().setXAxisMin(0.0).setXAxisMax(2 * x[0]);
    }
    return c;
  }

  /** Actual (solid) and requested (dashed) density of every layer at the end of every epoch. */
  static XYChart density(List<Epoch> epochs, int layers) {
    XYChart c = xy("Density per layer: actual vs target", "epoch", "density (non-zeros / in·out)");
    epochAxis(c, epochs.size());
    double max = 0;
    for (int l = 0; l < layers; l++) {
      final int layer = l;
      double[] actual = values(epochs, e -> layer < e.density().length ? e.density()[layer] : Double.NaN);
      double[] target = values(epochs, e -> layer < e.targetDensity().length ? e.targetDensity()[layer] : Double.NaN);
      max = Math.max(max, Math.max(maxFinite(actual), maxFinite(target)));
      addEpochSeries(c, "layer " + (l + 1) + " actual", epochs, e -> layer < e.density().length ? e.density()[layer] : Double.NaN, color(l));
      XYSeries t = addEpochSeries(c, "layer " + (l + 1) + " target", epochs,
          e -> layer < e.targetDensity().length ? e.targetDensity()[layer] : Double.NaN, color(l));
      if (t != null) {
        t.setLineStyle(DASHED);
        t.setMarker(SeriesMarkers.NONE);
      }
    }
    c.getStyler().setYAxisMin(0.0).setYAxisMax(max > 0 ? Math.min(1.0, max) * 1.08 : 1.0);
    c.getStyler().setLegendPosition(LegendPosition.OutsideE);
    return c;
  }

  /** Fraction of each layer's connections that changed at every mask update (layers that changed). */
  static XYChart churn(List<MaskUpdate> updates, List<Integer> layers) {
    XYChart c = xy("Mask churn per update", "step", "churn (fraction of connections changed)");
    double max = 0;
    for (int l : layers) {
      double[] x = new double[updates.size()];
      double[] y = new double[updates.size()];
      for (int i = 0; i < x.length; i++) {
        x[i] = updates.get(i).step();
        double[] ch = updates.get(i).churn();
        y[i] = l < ch.length ? ch[l] : Double.NaN;
      }
      max = Math.max(max, maxFinite(y));
      marker(add(c, "layer " + (l + 1), x, y, color(l)), updates.size());
    }
    c.getStyler().setXAxisDecimalPattern("#,##0").setYAxisMin(0.0).setYAxisMax(max > 0 ? max * 1.1 : 1.0);
    if (updates.size() == 1) {
      c.getStyler().setXAxisMin(0.0).setXAxisMax(2.0 * updates.get(0).step());
    }
    return c;
  }

  /** Mean time per step of every step group, split into compute and overhead. */
  static XYChart stepTime(List<StepGroup> steps) {
    XYChart c = xy("Step time: compute vs overhead", "step", "milliseconds per step");
    double[] x = new double[steps.size()];
    double[] total = new double[steps.size()];
    double[] compute = new double[steps.size()];
    double[] overhead = new double[steps.size()];
    for (int i = 0; i < x.length; i++) {
      StepGroup g = steps.get(i);
      x[i] = g.toStep();
      compute[i] = g.computeMs();
      overhead[i] = Double.isNaN(g.overheadMs()) ? g.stepMs() - g.computeMs() : g.overheadMs();
      total[i] = Double.isNaN(g.stepMs()) ? compute[i] + overhead[i] : g.stepMs();
    }
    marker(add(c, "compute", x, compute, color(0)), steps.size());
    marker(add(c, "overhead (communication, scheduling)", x, overhead, color(1)), steps.size());
    XYSeries t = add(c, "total", x, total, color(7));
    if (t != null) {
      t.setMarker(SeriesMarkers.NONE);
      t.setLineStyle(DASHED);
      t.setLineWidth(1.5f);
    }
    c.getStyler().setXAxisDecimalPattern("#,##0").setYAxisMin(0.0).setYAxisMax(niceMax(maxFinite(total)));
    if (x.length == 1) {
      c.getStyler().setXAxisMin(0.0).setXAxisMax(2 * x[0]);
    }
    return c;
  }

  /** A degree per neuron: one bar each for few neurons, a filled line for many. */
  static Chart<?, ?> degrees(String title, String xTitle, String yTitle, int[] degree, Color color) {
    int max = Connectivity.max(degree);
    if (degree.length <= MAX_BARS) {
      CategoryChart c = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
          .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
      style(c.getStyler());
      List<Integer> x = new ArrayList<>();
      List<Integer> y = new ArrayList<>();
      for (int i = 0; i < degree.length; i++) {
        x.add(i);
        y.add(degree[i]);
      }
      c.addSeries("degree", x, y).setFillColor(color);
      c.getStyler().setLegendVisible(false);
      c.getStyler().setAvailableSpaceFill(0.8);
      c.getStyler().setYAxisMin(0.0).setYAxisMax(niceMax(max)).setYAxisDecimalPattern("#,##0");
      if (degree.length > 24) {
        c.getStyler().setXAxisLabelRotation(90);
      }
      return c;
    }
    XYChart c = xy(title, xTitle, yTitle);
    double[] x = new double[degree.length];
    double[] y = new double[degree.length];
    for (int i = 0; i < x.length; i++) {
      x[i] = i;
      y[i] = degree[i];
    }
    XYSeries s = add(c, "degree", x, y, color);
    s.setXYSeriesRenderStyle(XYSeriesRenderStyle.Area);
    s.setFillColor(color);
    s.setMarker(SeriesMarkers.NONE);
    s.setLineWidth(1f);
    c.getStyler().setLegendVisible(false);
    c.getStyler().setXAxisDecimalPattern("#,##0").setYAxisDecimalPattern("#,##0")
        .setYAxisMin(0.0).setYAxisMax(niceMax(max)).setXAxisMin(0.0).setXAxisMax((double) degree.length - 1);
    return c;
  }

  /**
   * Degrees of {@code side×side} inputs as an image, row 0 at the top (as a picture is stored),
   * white for no connection, dark blue for the most connected.
   */
  static HeatMapChart degreeHeatMap(String title, int[] degree, int side) {
    HeatMapChart c = new HeatMapChartBuilder().width(HEAT_WIDTH).height(HEAT_HEIGHT).title(title)
        .xAxisTitle("column").yAxisTitle("row").build();
    style(c.getStyler());
    int[] xs = new int[side];
    int[] ys = new int[side];
    for (int i = 0; i < side; i++) {
      xs[i] = i;
      ys[i] = side - 1 - i;
    }
    // XChart reads the matrix as heat[x index][y index]; y index 0 is the bottom row, labelled side-1
    int[][] cells = new int[side][side];
    for (int p = 0; p < degree.length; p++) {
      int row = p / side;
      int col = p % side;
      cells[col][side - 1 - row] = degree[p];
    }
    c.addSeries("out-degree", xs, ys, cells);
    int max = Math.max(1, Connectivity.max(degree));
    c.getStyler().setMin(0).setMax(max).setPiecewise(false).setShowValue(false).setDrawBorder(false)
        .setRangeColors(new Color[] {Color.WHITE, new Color(86, 180, 233), new Color(0, 114, 178), new Color(8, 29, 88)})
        .setLegendPosition(LegendPosition.OutsideE);
    c.getStyler().setPlotGridLinesVisible(false).setPlotBorderVisible(true);
    if (side > 32) {
      c.getStyler().setAxisTicksVisible(false);
    } else if (side > 14) {
      c.getStyler().setXAxisLabelRotation(90);
    }
    return c;
  }

  // ---- helpers -----------------------------------------------------------------------------

  private static XYChart xy(String title, String xTitle, String yTitle) {
    XYChart c = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
    style(c.getStyler());
    c.getStyler().setDefaultSeriesRenderStyle(XYSeriesRenderStyle.Line).setMarkerSize(6)
        .setLegendPosition(LegendPosition.InsideNE);
    return c;
  }

  private static void style(AxesChartStyler s) {
    s.setChartBackgroundColor(Color.WHITE);
    s.setPlotBackgroundColor(Color.WHITE);
    s.setPlotBorderColor(new Color(200, 200, 200));
    s.setPlotGridLinesColor(new Color(232, 232, 232));
    s.setChartTitleBoxVisible(false);
    s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    s.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    s.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    s.setLegendBorderColor(new Color(210, 210, 210));
    s.setChartPadding(8);
    s.setAntiAlias(true);
    s.setTextAntiAlias(true);
    s.setSeriesColors(PALETTE);
  }

  /** Dots on the points of a short series, a plain line for a long one. */
  private static void marker(XYSeries s, int points) {
    if (s != null) {
      s.setMarker(points <= 60 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
    }
  }

  /** Adds the finite points of a series; returns null (no series) when there are none. */
  private static XYSeries add(XYChart c, String name, double[] x, double[] y, Color color) {
    int n = 0;
    for (double v : y) {
      if (Double.isFinite(v)) {
        n++;
      }
    }
    double[] fx = new double[n];
    double[] fy = new double[n];
    for (int i = 0, j = 0; i < y.length; i++) {
      if (Double.isFinite(y[i])) {
        fx[j] = x[i];
        fy[j++] = y[i];
      }
    }
    if (n == 0) {
      return null; // XChart refuses a series without points; the caption or legend tells what is missing
    }
    XYSeries s = c.addSeries(name, fx, fy);
    s.setLineColor(color);
    s.setMarkerColor(color);
    s.setLineWidth(2f);
    return s;
  }

  private static XYSeries addEpochSeries(XYChart c, String name, List<Epoch> epochs, ToDoubleFunction<Epoch> f, Color color) {
    double[] x = new double[epochs.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = epochs.get(i).epoch() + 1;
    }
    XYSeries s = add(c, name, x, values(epochs, f), color);
    if (s != null) {
      s.setMarker(SeriesMarkers.CIRCLE);
    }
    return s;
  }

  /** Whole epochs on the x axis (1-based); a single epoch is centred. */
  private static void epochAxis(XYChart c, int epochs) {
    Function<Double, String> whole = d -> Math.abs(d - Math.rint(d)) < 1e-6 ? String.valueOf((long) Math.rint(d)) : "";
    c.getStyler().setXAxisTickLabelsFormattingFunction(whole);
    if (epochs <= 1) {
      c.getStyler().setXAxisMin(0.0).setXAxisMax(2.0);
    }
  }

  private static <T> double[] values(List<T> rows, ToDoubleFunction<T> f) {
    double[] v = new double[rows.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = f.applyAsDouble(rows.get(i));
    }
    return v;
  }

  /** Sets a y range around the finite values, with room when they are all equal. */
  private static void fitY(XYChart c, double[]... series) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (double[] s : series) {
      for (double v : s) {
        if (Double.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    if (lo > hi) {
      c.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
      return;
    }
    double pad = hi - lo > 1e-9 * Math.max(1, Math.abs(hi)) ? 0.08 * (hi - lo) : Math.max(0.05 * Math.abs(hi), 0.05);
    double min = lo - pad;
    if (lo >= 0 && min < 0) {
      min = 0;
    }
    c.getStyler().setYAxisMin(min).setYAxisMax(hi + pad);
  }

  private static double maxFinite(double[] v) {
    double m = 0;
    for (double x : v) {
      if (Double.isFinite(x)) {
        m = Math.max(m, x);
      }
    }
    return m;
  }

  private static int finiteCount(double[] v) {
    int n = 0;
    for (double x : v) {
      if (Double.isFinite(x)) {
        n++;
      }
    }
    return n;
  }

  private static double niceMax(double max) {
    return max > 0 ? max * 1.1 : 1.0;
  }
}
