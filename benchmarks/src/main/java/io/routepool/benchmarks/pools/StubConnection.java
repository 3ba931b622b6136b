package io.routepool.benchmarks.pools;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.io.ModalCloseable;
import org.apache.http.HttpClientConnection;
import org.apache.http.HttpConnectionMetrics;
import org.apache.http.HttpEntityEnclosingRequest;
import org.apache.http.HttpHost;
import org.apache.http.HttpRequest;
import org.apache.http.HttpResponse;

/** A connection with nothing behind it (routepool, commons-pool2): it only remembers its route. */
final class StubConnection {

    final HttpHost route;

    StubConnection(HttpHost route) {
        this.route = route;
    }

    /** HttpCore 4.4's stub: always open, never stale, every operation a no-op; counts closes. */
    static final class Http4 implements HttpClientConnection {
        private final AtomicLong closed;

        Http4(AtomicLong closed) {
            this.closed = closed;
        }

        @Override
        public boolean isResponseAvailable(int timeout) {
            return false;
        }

        @Override
        public void sendRequestHeader(HttpRequest request) {
        }

        @Override
        public void sendRequestEntity(HttpEntityEnclosingRequest request) {
        }

        @Override
        public HttpResponse receiveResponseHeader() {
            return null;
        }

        @Override
        public void receiveResponseEntity(HttpResponse response) {
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            closed.incrementAndGet();
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public boolean isStale() {
            return false;
        }

        @Override
        public void setSocketTimeout(int timeout) {
        }

        @Override
        public int getSocketTimeout() {
            return 0;
        }

        @Override
        public void shutdown() {
            closed.incrementAndGet();
        }

        @Override
        public HttpConnectionMetrics getMetrics() {
            return null;
        }
    }

    /** HttpCore 5's stub ({@link ModalCloseable}); counts closes. */
    static final class Http5 implements ModalCloseable {
        private final AtomicLong closed;

        Http5(AtomicLong closed) {
            this.closed = closed;
        }

        @Override
        public void close(CloseMode closeMode) {
            closed.incrementAndGet();
        }

        @Override
        public void close() {
            closed.incrementAndGet();
        }
    }
}
