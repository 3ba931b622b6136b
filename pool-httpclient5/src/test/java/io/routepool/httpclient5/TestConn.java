package io.routepool.httpclient5;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.io.ModalCloseable;

/** A connection that does nothing but record how (and how often) it was closed. */
final class TestConn implements ModalCloseable {

    private static final AtomicInteger IDS = new AtomicInteger();

    final int id = IDS.incrementAndGet();
    final String name;
    private final List<CloseMode> closes = new CopyOnWriteArrayList<>();
    private final Runnable onFirstClose;

    TestConn(String name) {
        this(name, null);
    }

    /** {@code onFirstClose} runs inside the first close call. */
    TestConn(String name, Runnable onFirstClose) {
        this.name = name;
        this.onFirstClose = onFirstClose;
    }

    TestConn() {
        this("conn");
    }

    @Override
    public void close(CloseMode closeMode) {
        boolean first;
        synchronized (closes) {
            first = closes.isEmpty();
            closes.add(closeMode);
        }
        if (first && onFirstClose != null) {
            onFirstClose.run();
        }
    }

    @Override
    public void close() {
        close(CloseMode.GRACEFUL);
    }

    int closeCount() {
        return closes.size();
    }

    boolean isClosed() {
        return !closes.isEmpty();
    }

    /** The modes of every close call, in order. */
    List<CloseMode> closeModes() {
        return List.copyOf(closes);
    }

    @Override
    public String toString() {
        return name + "#" + id + (closes.isEmpty() ? "" : " closed " + closes);
    }
}
