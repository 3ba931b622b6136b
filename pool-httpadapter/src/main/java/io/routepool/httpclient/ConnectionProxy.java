package io.routepool.httpclient;

import io.routepool.core.KeyedPool;
import io.routepool.core.PoolEntry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import javax.net.ssl.SSLSession;
import org.apache.http.HttpConnectionMetrics;
import org.apache.http.HttpEntityEnclosingRequest;
import org.apache.http.HttpException;
import org.apache.http.HttpRequest;
import org.apache.http.HttpResponse;
import org.apache.http.NoHttpResponseException;
import org.apache.http.conn.ManagedHttpClientConnection;
import org.apache.http.conn.routing.HttpRoute;
import org.apache.http.impl.conn.ConnectionShutdownException;
import org.apache.http.protocol.HttpContext;

/**
 * The handle HttpClient holds for one lease, as HttpClient's {@code CPoolProxy}: a new one per lease,
 * delegating to the pooled connection until the lease is released, then detached for good.
 *
 * <p>pool-core hands out the same {@link PoolEntry} each time a connection is reused, so the entry
 * cannot tell a stale holder from the current one; this proxy can. After {@link #detach()}:
 * {@code isOpen()} is false, {@code isStale()} true, {@code close()} and {@code shutdown()} do nothing,
 * and every other method throws {@link ConnectionShutdownException}.
 */
final class ConnectionProxy implements ManagedHttpClientConnection, HttpContext {

    /** The pool the entry came from: a proxy is only accepted by the manager that made it. */
    final KeyedPool<HttpRoute, PooledConnection> pool;
    private volatile PoolEntry<HttpRoute, PooledConnection> entry;
    /**
     * The request of this lease failed before any response, as a connection its server has closed fails: sending
     * threw a {@link SocketException} (a reset, a broken pipe) or the response's first read found the end of the
     * stream ({@link NoHttpResponseException}). Written and read by the thread that executes the request and then
     * releases the lease (HttpClient's exec chain); volatile for an abort from another thread.
     */
    private volatile boolean failedBeforeResponse;
    /** A response header was received on this lease (written and read as {@link #failedBeforeResponse}). */
    private volatile boolean responded;

    ConnectionProxy(KeyedPool<HttpRoute, PooledConnection> pool, PoolEntry<HttpRoute, PooledConnection> entry) {
        this.pool = pool;
        this.entry = entry;
    }

    /** The entry while attached, else {@code null}. */
    PoolEntry<HttpRoute, PooledConnection> entry() {
        return entry;
    }

    /** The entry while attached; throws {@link ConnectionShutdownException} once released. */
    PoolEntry<HttpRoute, PooledConnection> validEntry() {
        PoolEntry<HttpRoute, PooledConnection> local = entry;
        if (local == null) {
            throw new ConnectionShutdownException();
        }
        return local;
    }

    /** Whether this lease's request failed before any response, as on a connection its server closed. */
    boolean failedBeforeResponse() {
        return failedBeforeResponse && !responded;
    }

    private IOException beforeResponse(IOException ex) {
        if (!responded && (ex instanceof NoHttpResponseException || ex instanceof SocketException)) {
            failedBeforeResponse = true;
        }
        return ex;
    }

    /** Detaches the proxy; returns the entry if it was attached, {@code null} if it already was detached. */
    PoolEntry<HttpRoute, PooledConnection> detach() {
        PoolEntry<HttpRoute, PooledConnection> local = entry;
        entry = null;
        return local;
    }

    private ManagedHttpClientConnection connectionOrNull() {
        PoolEntry<HttpRoute, PooledConnection> local = entry;
        return local == null ? null : local.connection().connection;
    }

    private ManagedHttpClientConnection valid() {
        return validEntry().connection().connection;
    }

    @Override
    public void close() throws IOException {
        ManagedHttpClientConnection conn = connectionOrNull();
        if (conn != null) {
            conn.close();
        }
    }

    @Override
    public void shutdown() throws IOException {
        ManagedHttpClientConnection conn = connectionOrNull();
        if (conn != null) {
            conn.shutdown();
        }
    }

    @Override
    public boolean isOpen() {
        ManagedHttpClientConnection conn = connectionOrNull();
        return conn != null && conn.isOpen();
    }

    @Override
    public boolean isStale() {
        ManagedHttpClientConnection conn = connectionOrNull();
        return conn == null || conn.isStale();
    }

    @Override
    public void setSocketTimeout(int timeout) {
        valid().setSocketTimeout(timeout);
    }

    @Override
    public int getSocketTimeout() {
        return valid().getSocketTimeout();
    }

    @Override
    public String getId() {
        return valid().getId();
    }

    @Override
    public void bind(Socket socket) throws IOException {
        valid().bind(socket);
    }

    @Override
    public Socket getSocket() {
        return valid().getSocket();
    }

    @Override
    public SSLSession getSSLSession() {
        return valid().getSSLSession();
    }

    @Override
    public boolean isResponseAvailable(int timeout) throws IOException {
        return valid().isResponseAvailable(timeout);
    }

    @Override
    public void sendRequestHeader(HttpRequest request) throws HttpException, IOException {
        try {
            valid().sendRequestHeader(request);
        } catch (IOException ex) {
            throw beforeResponse(ex);
        }
    }

    @Override
    public void sendRequestEntity(HttpEntityEnclosingRequest request) throws HttpException, IOException {
        try {
            valid().sendRequestEntity(request);
        } catch (IOException ex) {
            throw beforeResponse(ex);
        }
    }

    @Override
    public HttpResponse receiveResponseHeader() throws HttpException, IOException {
        try {
            HttpResponse response = valid().receiveResponseHeader();
            responded = true;
            return response;
        } catch (IOException ex) {
            throw beforeResponse(ex);
        }
    }

    @Override
    public void receiveResponseEntity(HttpResponse response) throws HttpException, IOException {
        valid().receiveResponseEntity(response);
    }

    @Override
    public void flush() throws IOException {
        try {
            valid().flush();
        } catch (IOException ex) {
            throw beforeResponse(ex);
        }
    }

    @Override
    public HttpConnectionMetrics getMetrics() {
        return valid().getMetrics();
    }

    @Override
    public InetAddress getLocalAddress() {
        return valid().getLocalAddress();
    }

    @Override
    public int getLocalPort() {
        return valid().getLocalPort();
    }

    @Override
    public InetAddress getRemoteAddress() {
        return valid().getRemoteAddress();
    }

    @Override
    public int getRemotePort() {
        return valid().getRemotePort();
    }

    @Override
    public Object getAttribute(String id) {
        ManagedHttpClientConnection conn = valid();
        return conn instanceof HttpContext ? ((HttpContext) conn).getAttribute(id) : null;
    }

    @Override
    public void setAttribute(String id, Object obj) {
        ManagedHttpClientConnection conn = valid();
        if (conn instanceof HttpContext) {
            ((HttpContext) conn).setAttribute(id, obj);
        }
    }

    @Override
    public Object removeAttribute(String id) {
        ManagedHttpClientConnection conn = valid();
        return conn instanceof HttpContext ? ((HttpContext) conn).removeAttribute(id) : null;
    }

    @Override
    public String toString() {
        PoolEntry<HttpRoute, PooledConnection> local = entry;
        return "RoutePoolProxy{" + (local == null ? "detached" : local + " " + local.connection()) + "}";
    }
}
