package org.sparsetrain.training.nn;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * {@code model_fingerprint}: SHA-256 over every layer's shape, mask (CSR structure), values and
 * bias, bit for bit. Two runs with equal fingerprints ended with identical models.
 */
public final class Fingerprint {
  private Fingerprint() {}

  public static String of(Network net) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (int l = 0; l < net.layerCount(); l++) {
        Layer layer = net.layer(l);
        ByteBuffer head = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        head.putInt(layer.inFeatures()).putInt(layer.outFeatures()).putInt(layer.nnz());
        md.update(head.array());
        md.update(ints(layer.rowPtr()));
        md.update(ints(layer.colIdx()));
        md.update(floats(layer.values()));
        md.update(floats(layer.bias()));
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] ints(int[] a) {
    ByteBuffer b = ByteBuffer.allocate(a.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asIntBuffer().put(a);
    return b.array();
  }

  private static byte[] floats(float[] a) {
    ByteBuffer b = ByteBuffer.allocate(a.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(a);
    return b.array();
  }
}
