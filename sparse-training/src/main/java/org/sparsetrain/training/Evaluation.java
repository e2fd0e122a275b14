package org.sparsetrain.training;

import org.sparsetrain.training.data.DataBlock;
import org.sparsetrain.training.nn.BatchStats;
import org.sparsetrain.training.nn.Network;

/** Loss and accuracy of a network over a whole block, in fixed-size chunks. */
public final class Evaluation {
  private Evaluation() {}

  public static final int CHUNK = 512;

  public static BatchStats of(Network net, DataBlock data) {
    if (data.rows() == 0) {
      return BatchStats.ZERO;
    }
    int chunk = Math.min(CHUNK, data.rows());
    Network.Workspace ws = net.workspace(chunk);
    float[] x = new float[data.features() * chunk];
    int[] y = new int[chunk];
    int[] rows = new int[chunk];
    BatchStats total = BatchStats.ZERO;
    for (int start = 0; start < data.rows(); start += chunk) {
      int n = Math.min(chunk, data.rows() - start);
      for (int i = 0; i < n; i++) {
        rows[i] = start + i;
      }
      data.gather(rows, 0, n, x, y, 0);
      total = total.plus(net.evaluate(x, n, y, 0, ws));
    }
    return total;
  }
}
