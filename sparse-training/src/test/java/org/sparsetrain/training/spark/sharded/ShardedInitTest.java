package org.sparsetrain.training.spark.sharded;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.sparsetrain.training.ModelSpec;
import org.sparsetrain.training.nn.Activation;
import org.sparsetrain.training.nn.Layer;
import org.sparsetrain.training.nn.Loss;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.spark.ModelStructure;
import org.sparsetrain.training.sparsity.SparsityMethod;

/**
 * A fresh sharded run's shards, made on their owners from the seed, are exactly the slices of the
 * model {@link ModelSpec#build} draws on the driver: same masks, values bit for bit, zero biases
 * and zero optimizer slots, for sparse and dense layers and any cut.
 */
class ShardedInitTest {
  static final ModelSpec SPEC = new ModelSpec(new int[] {37, 53, 29, 7}, Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY);

  static SparsityMethod sparse() {
    return new MagnitudeDropGrow(MagnitudeDropGrow.Grow.RANDOM, MagnitudeDropGrow.Drop.MAGNITUDE, 3, 24, 0.3, 0.3);
  }

  static SparsityMethod dense() {
    return new MagnitudeDropGrow(MagnitudeDropGrow.Grow.RANDOM, MagnitudeDropGrow.Drop.MAGNITUDE, 3, 24, 0.3, 0.3) {
      @Override public boolean dense() { return true; }
    };
  }

  static ModelStructure structure(ModelSpec spec, SparsityMethod m, long seed) {
    int[][][] masks = spec.masks(m, seed);
    int[][] rowPtr = new int[masks.length][];
    int[][] colIdx = new int[masks.length][];
    for (int l = 0; l < masks.length; l++) {
      if (masks[l] != null) {
        rowPtr[l] = masks[l][0];
        colIdx[l] = masks[l][1];
      }
    }
    return ModelStructure.of(spec, 0, rowPtr, colIdx);
  }

  static int[] bits(float[] a) {
    int[] b = new int[a.length];
    for (int i = 0; i < a.length; i++) {
      b[i] = Float.floatToRawIntBits(a[i]);
    }
    return b;
  }

  void check(SparsityMethod m, long seed, int shards) {
    Network net = SPEC.build(m, seed);
    ModelStructure s = structure(SPEC, m, seed);
    ModelStructure fromNet = ModelStructure.of(net, 0);
    int[][] bounds = ShardedSparkTrainer.cut(s, shards);
    assertTrue(Arrays.deepEquals(bounds, ShardedSparkTrainer.cut(fromNet, shards)), "same cut");
    for (int l = 0; l < s.layers(); l++) {
      Layer layer = net.layer(l);
      if (m.dense()) {
        assertNull(s.rowPtr(l), "dense layer " + l);
      } else {
        assertArrayEquals(layer.rowPtr(), s.rowPtr(l), "row pointers of layer " + l);
        assertArrayEquals(layer.colIdx(), s.colIdx(l), "columns of layer " + l);
      }
      for (int j = 0; j < shards; j++) {
        int r0 = bounds[l][j];
        int r1 = bounds[l][j + 1];
        int k0 = (int) s.rowStart(l, r0);
        int k1 = (int) s.rowStart(l, r1);
        WeightShard w = ShardedSparkTrainer.initialShard(s, l * shards + j, l, r0, r1, seed, 2);
        String what = "layer " + l + " shard " + j + " rows " + r0 + ".." + r1 + " seed " + seed;
        assertEquals(l * shards + j, w.key);
        assertEquals(l, w.layer);
        assertEquals(s.in(l), w.in);
        assertArrayEquals(bits(Arrays.copyOfRange(layer.values(), k0, k1)), bits(w.values), "values of " + what);
        assertArrayEquals(bits(Arrays.copyOfRange(layer.bias(), r0, r1)), bits(w.bias), "biases of " + what);
        if (!m.dense()) {
          assertArrayEquals(Arrays.copyOfRange(layer.colIdx(), k0, k1), w.colIdx, "columns of " + what);
          for (int r = r0; r <= r1; r++) {
            assertEquals(layer.rowPtr()[r] - k0, w.rowPtr[r - r0], "row pointer of " + what);
          }
        } else {
          assertNull(w.rowPtr);
        }
        assertEquals(2, w.slots.length);
        for (int q = 0; q < 2; q++) {
          assertArrayEquals(new float[k1 - k0], w.slots[q], "zero slot of " + what);
          assertArrayEquals(new float[r1 - r0], w.biasSlots[q], "zero bias slot of " + what);
        }
      }
    }
  }

  @Test
  void ownerInitialisedShardsAreTheSlicesOfTheDriversInitialModelBitForBit() {
    for (long seed : new long[] {1, 11, 42}) {
      for (int shards : new int[] {1, 2, 3, 5}) {
        check(sparse(), seed, shards);
        check(dense(), seed, shards);
      }
    }
  }
}
