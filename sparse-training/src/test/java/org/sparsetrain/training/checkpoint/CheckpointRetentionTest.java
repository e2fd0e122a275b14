package org.sparsetrain.training.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsetrain.training.TrainingState;
import org.sparsetrain.training.nn.Network;
import org.sparsetrain.training.optim.OptimizerState;

/** Keep-last-K and keep-best never delete the newest valid or the best checkpoint. */
class CheckpointRetentionTest {
  @TempDir java.nio.file.Path tmp;
  FileSystem fs;
  CheckpointStore store;

  @BeforeEach
  void setUp() throws IOException {
    fs = FileSystem.getLocal(new Configuration());
    store = CheckpointStore.forRun(fs, new Path(tmp.toUri()));
  }

  static TrainingState stateAt(long step) {
    Network net = CheckpointFixtures.SPEC.build(CheckpointFixtures.sparseMethod(), 5);
    return new TrainingState(net, OptimizerState.create(CheckpointFixtures.sgd(), net), CheckpointFixtures.sparseMethod(),
        CheckpointFixtures.plan(CheckpointFixtures.sgd(), CheckpointFixtures.sparseMethod(), 1).learningRate(1000), 5, 1000, step, 0);
  }

  List<Long> steps() throws IOException {
    List<Long> s = new ArrayList<>();
    for (CheckpointStore.Entry e : store.steps()) {
      s.add(e.step());
    }
    return s;
  }

  @Test
  void keepsTheLastKAndTheBest() throws IOException {
    CheckpointStore s = store.withRetention(RetentionPolicy.keepLast(2).keepBest("val.accuracy", true));
    double[] acc = {0.50, 0.70, 0.91, 0.80, 0.85, 0.91, 0.60, 0.88};
    for (int i = 0; i < acc.length; i++) {
      long step = 10L * (i + 1);
      com.fasterxml.jackson.databind.node.ObjectNode val = Manifest.JSON.createObjectNode().put("accuracy", acc[i]);
      s.commit(stateAt(step), CheckpointMeta.of(i, null).withExtra("val", val));
      List<Long> left = steps();
      assertEquals(step, left.get(0), "the newest is kept");
      double best = Double.NEGATIVE_INFINITY;
      long bestStep = -1;
      for (int j = 0; j <= i; j++) {
        if (acc[j] > best) {
          best = acc[j];
          bestStep = 10L * (j + 1);
        }
      }
      // ties go to the newer checkpoint (step 60 over 30 once it exists)
      if (i >= 5) {
        bestStep = 60;
      }
      assertTrue(left.contains(bestStep), "best " + bestStep + " kept in " + left);
      assertTrue(left.size() <= 3, left.toString());
    }
    assertEquals(List.of(80L, 70L, 60L), steps());
  }

  @Test
  void lowerIsBetterAndCheckpointsWithoutTheMetricAreNotCandidates() throws IOException {
    CheckpointStore s = store.withRetention(RetentionPolicy.keepLast(1).keepBest("val_loss", false));
    s.commit(stateAt(1), CheckpointMeta.of(0, null).withExtra("val_loss", 0.3));
    s.commit(stateAt(2), CheckpointMeta.of(0, null).withExtra("val_loss", 0.2));
    s.commit(stateAt(3), CheckpointMeta.of(0, null));
    s.commit(stateAt(4), CheckpointMeta.of(0, null).withExtra("val_loss", 0.5));
    assertEquals(List.of(4L, 2L), steps());
  }

  @Test
  void aDamagedNewestCheckpointNeverCostsTheNewestValidOne() throws IOException {
    CheckpointStore s = store.withRetention(RetentionPolicy.keepLast(1));
    s.commit(stateAt(10), CheckpointMeta.of(0, null));
    s.commit(stateAt(20), CheckpointMeta.of(0, null));
    assertEquals(List.of(20L), steps());
    // damage step 20 behind the store's back, then commit a checkpoint of an earlier step
    // (a resumed run that fell back): step 20 is newer and invalid, step 15 is the newest valid
    Path f = new Path(new Path(s.dir(), "step-000000020"), "values.l0.bin");
    byte[] b = CheckpointFixtures.readBytes(fs, f);
    b[20] ^= 1;
    CheckpointFixtures.writeBytes(fs, f, b);
    CheckpointStore fresh = CheckpointStore.forRun(fs, new Path(tmp.toUri())).withRetention(RetentionPolicy.keepLast(1));
    CheckpointStore.CommitResult r = fresh.commit(stateAt(15), CheckpointMeta.of(0, null));
    assertEquals(List.of(20L, 15L), steps(), "the damaged newer one is kept for inspection, the valid one is not deleted");
    assertTrue(r.problems().get(0).startsWith("step-000000020: values.l0.bin crc32c"), r.problems().toString());
    assertEquals(15, fresh.latestValid().manifest().step());
    fresh.commit(stateAt(30), CheckpointMeta.of(0, null));
    assertEquals(List.of(30L), steps(), "once a newer one is committed, older valid and invalid ones go");
  }
}
