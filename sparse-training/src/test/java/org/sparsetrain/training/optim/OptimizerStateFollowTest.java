package org.sparsetrain.training.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.DenseLinear;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.SparseLinear;
import org.sparsetrain.training.nn.StructureChange;

class OptimizerStateFollowTest {

  private static Network net() {
    SparseLinear s = new SparseLinear(4, 3, new int[] {0, 2, 3, 5}, new int[] {0, 2, 1, 0, 3},
        new float[] {1, 2, 3, 4, 5}, new float[3]);
    DenseLinear d = new DenseLinear(3, 2, new float[6], new float[2]);
    return new Network(List.of(s, d), Activation.RELU, Loss.MSE);
  }

  @Test
  void stateFollowsStructureChange() {
    Network net = net();
    OptimizerState st = OptimizerState.create(new Adam(0.9, 0.999, 1e-8, 0, false), net);
    assertEquals(2, st.slots());
    float[] m = st.weightSlot(0, 0);
    float[] v = st.weightSlot(0, 1);
    for (int k = 0; k < 5; k++) {
      m[k] = 10 + k;
      v[k] = 20 + k;
    }
    st.biasSlot(0, 0)[1] = 7;
    SparseLinear layer = (SparseLinear) net.layer(0);
    // drop k=1 and k=3; grow (1,3) new and (2,0) = old k=3, revived
    StructureChange c = StructureChange.compute(layer, new int[] {1, 3}, new long[] {7, 8});
    c.applyTo(layer);
    st.follow(0, c);
    assertArrayEquals(new float[] {10, 12, 0, 13, 14}, st.weightSlot(0, 0));
    assertArrayEquals(new float[] {20, 22, 0, 23, 24}, st.weightSlot(0, 1));
    assertEquals(7f, st.biasSlot(0, 0)[1], "bias state untouched");
  }

  @Test
  void applyRefusesStateThatDidNotFollow() {
    Network net = net();
    OptimizerState st = OptimizerState.create(new Sgd(0.9, false, 0, false), net);
    SparseLinear layer = (SparseLinear) net.layer(0);
    StructureChange c = StructureChange.compute(layer, new int[] {1}, new long[0]);
    c.applyTo(layer);
    float[] grad = new float[net.layout().size()];
    assertThrows(IllegalStateException.class, () -> st.apply(net, grad, net.layout(), 0.1f));
    st.follow(0, c);
    assertEquals(4, st.weightSlot(0, 0).length);
    st.apply(net, grad, net.layout(), 0.1f);
  }
}
