package org.sparsetrain.pruning.soup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.Init;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.nn.SparseLinear;

class SoupsTest {
  private static final int[] RP = {0, 2, 3};
  private static final int[] CI = {0, 2, 1};

  /** A 3-2-2 network: layer 0 on the fixed mask RP/CI, layer 1 a 2x2 sparse layer with every position. */
  private static Network net(float[] v0, float[] b0, float[] v1) {
    return new Network(List.of(
        new SparseLinear(3, 2, RP.clone(), CI.clone(), v0, b0),
        new SparseLinear(2, 2, new int[] {0, 2, 4}, new int[] {0, 1, 0, 1}, v1, new float[] {0, 0})),
        Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY);
  }

  @Test
  void uniformSoupHasTheSharedMaskAndTheMeanValues() {
    List<Network> ing = List.of(
        net(new float[] {1, 2, 3}, new float[] {1, 0}, new float[] {1, 1, 1, 1}),
        net(new float[] {2, 4, 6}, new float[] {0, 1}, new float[] {0, 0, 0, 0}),
        net(new float[] {4, 0, -3}, new float[] {2, 2}, new float[] {-1, 2, 0.5f, 3}));
    Network soup = Soups.uniform(ing);
    for (int l = 0; l < 2; l++) {
      assertArrayEquals(ing.get(0).layer(l).rowPtr(), soup.layer(l).rowPtr(), "rowPtr of layer " + l);
      assertArrayEquals(ing.get(0).layer(l).colIdx(), soup.layer(l).colIdx(), "colIdx of layer " + l);
      assertTrue(soup.layer(l).isSparse());
    }
    assertArrayEquals(new float[] {(float) (7.0 / 3), 2f, 2f}, soup.layer(0).values());
    assertArrayEquals(new float[] {1f, 1f}, soup.layer(0).bias());
    assertArrayEquals(new float[] {0f, 1f, (float) (1.5 / 3), (float) (4.0 / 3)}, soup.layer(1).values());
    assertTrue(Soups.sameMask(soup, ing.get(2)));
    // the soup owns its arrays
    soup.layer(0).values()[0] = 99;
    assertEquals(1f, ing.get(0).layer(0).values()[0]);
  }

  @Test
  void differingMasksAreRefusedUnlessUnionMode() {
    Network a = net(new float[] {1, 2, 3}, new float[] {0, 0}, new float[] {1, 1, 1, 1});
    Network b = new Network(List.of(
        new SparseLinear(3, 2, new int[] {0, 2, 3}, new int[] {0, 1, 1}, new float[] {1, 2, 3}, new float[] {0, 0}),
        a.layer(1).copy()), Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY);
    assertFalse(Soups.sameMask(a, b));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Soups.uniform(List.of(a, b)));
    assertTrue(e.getMessage().contains("do not share one mask"), e.getMessage());
    assertTrue(e.getMessage().contains("layer 0 row 0"), e.getMessage());
    assertTrue(e.getMessage().contains("union"), e.getMessage());
    // same nnz, different random masks
    Layer x = Init.sparse(20, 10, 50, 1, 0);
    Layer y = Init.sparse(20, 10, 50, 2, 0);
    assertFalse(Soups.sameMask(new Network(List.of(x), Activation.RELU, Loss.MSE), new Network(List.of(y), Activation.RELU, Loss.MSE)));
  }

  @Test
  void greedySelectionFollowsTheValidationOrder() {
    List<Network> ing = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ing.add(net(new float[] {i, 10 * i, 100 * i}, new float[] {i, -i}, new float[] {1, 2, 3, 4}));
    }
    double[] val = {0.5, 0.9, 0.7, 0.9};
    // scripted evaluation: the soups are asked for in the order {1,3}, {1,3,2}, {1,3,0}
    int[][] expectedMembers = {{1, 3}, {1, 3, 2}, {1, 3, 0}};
    double[] answers = {0.95, 0.80, 0.95};
    int[] calls = {0};
    Soups.Greedy g = Soups.greedy(ing, val, n -> {
      int c = calls[0]++;
      double mean = 0;
      for (int i : expectedMembers[c]) {
        mean += i;
      }
      mean /= expectedMembers[c].length;
      assertEquals((float) mean, n.layer(0).values()[0], "evaluation " + c + " got the soup of " + java.util.Arrays.toString(expectedMembers[c]));
      assertEquals((float) (100 * mean), n.layer(0).values()[2], 1e-4);
      return answers[c];
    });
    assertEquals(3, calls[0]);
    assertArrayEquals(new int[] {1, 3, 2, 0}, g.order());
    assertArrayEquals(new int[] {1, 3, 0}, g.chosen());
    assertEquals(0.95, g.validationAccuracy());
    assertArrayEquals(new float[] {4f / 3, 40f / 3, 400f / 3}, g.soup().layer(0).values(), 1e-4f);
    assertTrue(Soups.sameMask(g.soup(), ing.get(0)));
  }

  @Test
  void greedyNeverScoresBelowItsBestIngredient() {
    List<Network> ing = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ing.add(net(new float[] {i, i, i}, new float[] {0, 0}, new float[] {1, 1, 1, 1}));
    }
    // every mixture is worse than the best: the soup stays the best ingredient alone
    Soups.Greedy g = Soups.greedy(ing, n -> n.layer(0).values()[0] == 2f ? 0.9 : 0.1);
    assertArrayEquals(new int[] {2}, g.chosen());
    assertEquals(0.9, g.validationAccuracy());
    assertArrayEquals(new float[] {2, 2, 2}, g.soup().layer(0).values());
  }

  @Test
  void unionAverageThenRepruneHitsTheTargetNnzExactly() {
    int[] sizes = {30, 20, 5};
    List<Network> ing = new ArrayList<>();
    for (int s = 1; s <= 3; s++) {
      ing.add(new Network(List.of(Init.sparse(30, 20, 120, s, 0), Init.sparse(20, 5, 40, s, 1)),
          Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY));
    }
    long dense = 30 * 20 + 20 * 5;
    double target = 0.2;
    Soups.Union u = Soups.unionPruned(ing, target);
    assertEquals(Math.round(target * dense), u.nnz());
    assertEquals(u.nnz(), u.soup().nnz());
    assertEquals(u.nnz() / (double) dense, u.density(), 1e-12);
    assertTrue(u.unionNnz() > u.nnz(), "the union is larger than the target");
    // hand-computed union mean, dense
    float maxDropped = 0;
    float minKept = Float.MAX_VALUE;
    for (int l = 0; l < 2; l++) {
      int in = sizes[l];
      double[] mean = new double[in * sizes[l + 1]];
      for (Network n : ing) {
        float[] d = ((SparseLinear) n.layer(l)).toDense();
        for (int k = 0; k < d.length; k++) {
          mean[k] += d[k] / 3.0;
        }
      }
      SparseLinear s = (SparseLinear) u.soup().layer(l);
      float[] sd = s.toDense();
      boolean[] kept = new boolean[mean.length];
      int[] rp = s.rowPtr();
      for (int r = 0; r + 1 < rp.length; r++) {
        for (int k = rp[r]; k < rp[r + 1]; k++) {
          kept[r * in + s.colIdx()[k]] = true;
        }
      }
      for (int k = 0; k < mean.length; k++) {
        if (kept[k]) {
          assertEquals((float) mean[k], sd[k], 1e-6f);
          minKept = Math.min(minKept, Math.abs(sd[k]));
        } else {
          maxDropped = Math.max(maxDropped, (float) Math.abs(mean[k]));
        }
      }
      float[] bias = new float[sizes[l + 1]];
      for (int r = 0; r < bias.length; r++) {
        double b = 0;
        for (Network n : ing) {
          b += n.layer(l).bias()[r];
        }
        bias[r] = (float) (b / 3);
      }
      assertArrayEquals(bias, s.bias(), 1e-7f);
    }
    assertTrue(minKept >= maxDropped - 1e-6f, "kept " + minKept + " < dropped " + maxDropped);
  }

  @Test
  void unionOfOneSharedMaskIsTheUniformSoupWhenTheTargetIsTheMask() {
    List<Network> ing = List.of(
        net(new float[] {1, 2, 3}, new float[] {1, 0}, new float[] {1, 1, 1, 1}),
        net(new float[] {3, 4, 5}, new float[] {0, 1}, new float[] {1, 2, 3, 4}));
    Soups.Union u = Soups.unionPruned(ing, 7.0 / 10);
    Network uni = Soups.uniform(ing);
    assertEquals(7, u.nnz());
    for (int l = 0; l < 2; l++) {
      assertArrayEquals(uni.layer(l).colIdx(), u.soup().layer(l).colIdx());
      assertArrayEquals(uni.layer(l).values(), u.soup().layer(l).values());
    }
  }
}
