package org.sparsetrain.jobs.soup;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** A {@link PrintStream} onto picocli's {@link PrintWriter} (the jobs print to streams), line-buffered. */
public final class Consoles {
  private Consoles() {}

  public static PrintStream of(PrintWriter w) {
    OutputStream o = new OutputStream() {
      private final ByteArrayOutputStream line = new ByteArrayOutputStream();

      @Override
      public synchronized void write(int b) {
        line.write(b);
        if (b == '\n') {
          flush();
        }
      }

      @Override
      public synchronized void flush() {
        if (line.size() > 0) {
          w.write(line.toString(StandardCharsets.UTF_8));
          line.reset();
        }
        w.flush();
      }
    };
    return new PrintStream(o, true, StandardCharsets.UTF_8);
  }
}
