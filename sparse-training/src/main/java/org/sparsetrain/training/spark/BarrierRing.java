package org.sparsetrain.training.spark;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.spark.BarrierTaskContext;

/**
 * The collectives of one barrier stage: its P tasks in a ring (rank r sends to r+1 and receives
 * from r−1, over TCP), set up through {@link BarrierTaskContext#allGather} (the rendezvous; each
 * task publishes the address it listens on) and torn down when the task ends, so nothing listens
 * outside a running stage.
 *
 * <p><b>Authenticated:</b> every connection proves it belongs to this stage attempt: the accepting
 * task sends a fresh random nonce, the connecting one answers with its rank and
 * HMAC-SHA256(stage token, nonce ‖ rank ‖ stage attempt); the token is a random secret the driver
 * ships with the stage's closure (protected by Spark's RPC authentication and encryption when
 * {@code spark.authenticate} is on). A wrong answer closes the connection and fails the task.
 *
 * <p><b>Never hangs:</b> connecting, accepting and every read time out after {@code timeoutMillis}
 * with an error that names the peer; a failed task fails the barrier stage (the driver runs the
 * stretch again, see {@link SparkTrainer}).
 *
 * <p>{@link #allreduce} sums {@code long[]} exactly (fixed-point gradients: integer addition is
 * associative, so every task ends with the same bits whatever the ring's order) by reduce-scatter
 * then all-gather, 2·(P−1)/P of the array sent per task; {@link #allgather} hands every task every
 * task's small array, in rank order.
 */
final class BarrierRing implements AutoCloseable {
  private static final int NONCE_BYTES = 32;
  private static final String MAC = "HmacSHA256";

  private final int rank;
  private final int size;
  private final Socket toNext;
  private final Socket fromPrevious;
  private final DataOutputStream out;
  private final DataInputStream in;
  private final ExecutorService sender;
  private final String peerDescription;
  private ByteBuffer sendBuffer = ByteBuffer.allocate(0);
  private ByteBuffer receiveBuffer = ByteBuffer.allocate(0);

  private BarrierRing(int rank, int size, Socket toNext, Socket fromPrevious, String peers) throws IOException {
    this.rank = rank;
    this.size = size;
    this.toNext = toNext;
    this.fromPrevious = fromPrevious;
    this.peerDescription = peers;
    this.out = toNext == null ? null : new DataOutputStream(new BufferedOutputStream(toNext.getOutputStream(), 1 << 16));
    this.in = fromPrevious == null ? null : new DataInputStream(new BufferedInputStream(fromPrevious.getInputStream(), 1 << 16));
    this.sender = size == 1 ? null : Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "sparsetrain-ring-send-" + rank);
      t.setDaemon(true);
      return t;
    });
  }

  int rank() { return rank; }
  int size() { return size; }

  /**
   * Joins the ring of the running barrier stage: listens on this task's host, publishes the
   * address through {@code allGather}, connects to the next rank and accepts the previous one.
   */
  static BarrierRing open(BarrierTaskContext ctx, byte[] token, int timeoutMillis) throws IOException {
    int rank = ctx.partitionId();
    int size = ctx.getTaskInfos().length;
    if (size == 1) {
      return new BarrierRing(0, 1, null, null, "no peers");
    }
    InetAddress host = InetAddress.getByName(hostOf(ctx.getTaskInfos()[rank].address()));
    try (ServerSocket server = new ServerSocket()) {
      server.bind(new InetSocketAddress(host, 0), 1);
      server.setSoTimeout(timeoutMillis);
      String[] addresses = ctx.allGather(host.getHostAddress() + ":" + server.getLocalPort());
      int next = (rank + 1) % size;
      int previous = (rank + size - 1) % size;
      String peers = "rank " + rank + " of " + size + ", next " + addresses[next] + ", previous " + addresses[previous];
      Socket toNext = new Socket();
      Socket fromPrevious = null;
      try {
        toNext.connect(address(addresses[next]), timeoutMillis);
        configure(toNext, timeoutMillis);
        fromPrevious = accept(server, addresses[previous], timeoutMillis);
        // challenge the previous rank, answer the next one's challenge, then check the answer: in this
        // order no task waits on another that waits on it
        byte[] nonce = challenge(fromPrevious);
        prove(toNext, rank, ctx.stageAttemptNumber(), token);
        verify(fromPrevious, nonce, previous, ctx.stageAttemptNumber(), token);
        return new BarrierRing(rank, size, toNext, fromPrevious, peers);
      } catch (IOException | RuntimeException e) {
        closeQuietly(toNext);
        closeQuietly(fromPrevious);
        throw new IOException("barrier stage ring (" + peers + "): " + e.getMessage(), e);
      }
    }
  }

  /** The host of a task's address ({@code host} or {@code host:port}). */
  private static String hostOf(String address) {
    int colon = address.lastIndexOf(':');
    return colon > 0 && address.indexOf(':') == colon ? address.substring(0, colon) : address;
  }

  private static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
  }

  private static void configure(Socket s, int timeoutMillis) throws IOException {
    s.setTcpNoDelay(true);
    s.setSoTimeout(timeoutMillis);
  }

  /** Accepts the previous rank's connection. */
  private static Socket accept(ServerSocket server, String from, int timeoutMillis) throws IOException {
    Socket s;
    try {
      s = server.accept();
    } catch (SocketTimeoutException e) {
      throw new IOException("the previous task (" + from + ") did not connect within " + timeoutMillis + " ms");
    }
    configure(s, timeoutMillis);
    return s;
  }

  /** Sends a fresh random nonce on an accepted connection. */
  static byte[] challenge(Socket s) throws IOException {
    byte[] nonce = new byte[NONCE_BYTES];
    new SecureRandom().nextBytes(nonce);
    DataOutputStream o = new DataOutputStream(s.getOutputStream());
    o.write(nonce);
    o.flush();
    return nonce;
  }

  /** Checks the answer to {@code nonce}: the expected rank, and the MAC only a holder of the stage token can make. */
  static void verify(Socket s, byte[] nonce, int expectedRank, int attempt, byte[] token) throws IOException {
    DataInputStream i = new DataInputStream(s.getInputStream());
    int claimed = i.readInt();
    byte[] answer = new byte[32];
    i.readFully(answer);
    if (claimed != expectedRank || !MessageDigest.isEqual(answer, mac(token, nonce, claimed, attempt))) {
      throw new IOException("a connection from " + s.getRemoteSocketAddress() + " failed authentication"
          + " (not a task of this stage attempt)");
    }
  }

  /** Answers the next rank's nonce on the connection to it. */
  static void prove(Socket s, int rank, int attempt, byte[] token) throws IOException {
    DataInputStream i = new DataInputStream(s.getInputStream());
    byte[] nonce = new byte[NONCE_BYTES];
    i.readFully(nonce);
    DataOutputStream o = new DataOutputStream(s.getOutputStream());
    o.writeInt(rank);
    o.write(mac(token, nonce, rank, attempt));
    o.flush();
  }

  private static byte[] mac(byte[] token, byte[] nonce, int rank, int attempt) {
    try {
      Mac m = Mac.getInstance(MAC);
      m.init(new SecretKeySpec(token, MAC));
      m.update(nonce);
      m.update(ByteBuffer.allocate(8).putInt(rank).putInt(attempt).array());
      return m.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available in this JVM", e);
    }
  }

  /** A fresh random stage token. */
  static byte[] newToken() {
    byte[] t = new byte[32];
    new SecureRandom().nextBytes(t);
    return t;
  }

  /** Replaces {@code a} by the sum over all ranks (exact: integer addition), the same on every rank. */
  void allreduce(long[] a) throws IOException {
    if (size == 1) {
      return;
    }
    int n = a.length;
    // reduce-scatter: after P-1 rounds rank r holds the full sum of chunk r+1
    for (int s = 0; s < size - 1; s++) {
      int send = Math.floorMod(rank - s, size);
      int receive = Math.floorMod(rank - s - 1, size);
      exchange(a, lo(send, n), hi(send, n), lo(receive, n), hi(receive, n), true);
    }
    // all-gather: the summed chunks travel round the ring once
    for (int s = 0; s < size - 1; s++) {
      int send = Math.floorMod(rank + 1 - s, size);
      int receive = Math.floorMod(rank - s, size);
      exchange(a, lo(send, n), hi(send, n), lo(receive, n), hi(receive, n), false);
    }
  }

  /** Every rank's {@code mine} (each of the same length), in rank order, on every rank. */
  long[][] allgather(long[] mine) throws IOException {
    long[][] all = new long[size][];
    all[rank] = mine.clone();
    for (int s = 0; s < size - 1; s++) {
      int send = Math.floorMod(rank - s, size);
      int receive = Math.floorMod(rank - s - 1, size);
      long[] from = all[send];
      long[] into = new long[mine.length];
      all[receive] = into;
      Future<?> f = sendAsync(from, 0, from.length);
      receive(into, 0, into.length, false);
      await(f);
    }
    return all;
  }

  private int lo(int chunk, int n) {
    return (int) ((long) n * chunk / size);
  }

  private int hi(int chunk, int n) {
    return (int) ((long) n * (chunk + 1) / size);
  }

  /** Sends a[sendLo, sendHi) to the next rank while receiving into a[receiveLo, receiveHi) from the previous one. */
  private void exchange(long[] a, int sendLo, int sendHi, int receiveLo, int receiveHi, boolean add) throws IOException {
    Future<?> f = sendAsync(a, sendLo, sendHi - sendLo);
    receive(a, receiveLo, receiveHi - receiveLo, add);
    await(f);
  }

  private Future<?> sendAsync(long[] a, int from, int count) {
    if (sendBuffer.capacity() < 8 * count) {
      sendBuffer = ByteBuffer.allocate(8 * count);
    }
    ByteBuffer b = sendBuffer;
    b.clear();
    b.asLongBuffer().put(a, from, count);
    return sender.submit(() -> {
      out.writeInt(count);
      out.write(b.array(), 0, 8 * count);
      out.flush();
      return null;
    });
  }

  private void receive(long[] a, int from, int count, boolean add) throws IOException {
    try {
      int n = in.readInt();
      if (n != count) {
        throw new IOException("expected " + count + " values from the previous rank, it sent " + n);
      }
      if (receiveBuffer.capacity() < 8 * count) {
        receiveBuffer = ByteBuffer.allocate(8 * count);
      }
      in.readFully(receiveBuffer.array(), 0, 8 * count);
      java.nio.LongBuffer lb = ByteBuffer.wrap(receiveBuffer.array(), 0, 8 * count).asLongBuffer();
      if (add) {
        for (int i = 0; i < count; i++) {
          a[from + i] += lb.get(i);
        }
      } else {
        lb.get(a, from, count);
      }
    } catch (SocketTimeoutException e) {
      throw new IOException("barrier stage ring (" + peerDescription + "): the previous task sent nothing within the"
          + " timeout", e);
    } catch (EOFException e) {
      throw new IOException("barrier stage ring (" + peerDescription + "): the previous task closed its connection", e);
    }
  }

  private void await(Future<?> f) throws IOException {
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while sending to the next task", e);
    } catch (ExecutionException e) {
      throw new IOException("barrier stage ring (" + peerDescription + "): sending to the next task failed: "
          + e.getCause().getMessage(), e.getCause());
    }
  }

  @Override
  public void close() {
    if (sender != null) {
      sender.shutdownNow();
    }
    closeQuietly(toNext);
    closeQuietly(fromPrevious);
  }

  private static void closeQuietly(Socket s) {
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing: nothing left to lose
      }
    }
  }
}
