package org.sparsetrain.training.spark;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The barrier ring's handshake over real loopback sockets: a peer holding the stage token is
 * accepted; one with another stage's token, a replayed answer to another nonce or the wrong rank is
 * refused, and the error names the remote address but never the token.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BarrierRingTest {
  private static final byte[] TOKEN = BarrierRing.newToken();

  /** Accepts one connection, challenges it, and verifies the answer as rank {@code expectedRank} of attempt 0. */
  private static void handshake(byte[] clientToken, int clientRank, int expectedRank) throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Void> client = CompletableFuture.runAsync(() -> {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
          BarrierRing.prove(s, clientRank, 0, clientToken);
          s.getInputStream().read();   // wait until the server has judged the answer and closed
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      try (Socket accepted = server.accept()) {
        accepted.setSoTimeout(10_000);
        byte[] nonce = BarrierRing.challenge(accepted);
        BarrierRing.verify(accepted, nonce, expectedRank, 0, TOKEN);
      } finally {
        client.exceptionally(e -> null).get(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aPeerWithTheStageTokenIsAccepted() {
    assertDoesNotThrow(() -> handshake(TOKEN, 1, 1));
  }

  @Test
  void aPeerWithoutTheTokenIsRefusedWithoutTheTokenInTheMessage() {
    IOException e = assertThrows(IOException.class, () -> handshake(BarrierRing.newToken(), 1, 1));
    assertTrue(e.getMessage().contains("failed authentication") && e.getMessage().contains("127.0.0.1"), e.getMessage());
    assertFalse(e.getMessage().toLowerCase().contains(HexFormat.of().formatHex(TOKEN)), "no secret in the message");
  }

  @Test
  void aTaskClaimingAnotherRankIsRefused() {
    IOException e = assertThrows(IOException.class, () -> handshake(TOKEN, 0, 1));
    assertTrue(e.getMessage().contains("failed authentication"), e.getMessage());
  }

  @Test
  void aSilentPeerTimesOutInsteadOfHanging() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
         Socket silent = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
         Socket accepted = server.accept()) {
      accepted.setSoTimeout(300);
      byte[] nonce = BarrierRing.challenge(accepted);
      assertThrows(java.net.SocketTimeoutException.class, () -> BarrierRing.verify(accepted, nonce, 1, 0, TOKEN));
      assertTrue(silent.isConnected());
    }
  }
}
