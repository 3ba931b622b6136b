package io.routepool.httpclient;

import io.routepool.core.PoolClosedException;
import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.http.conn.ConnectionPoolTimeoutException;
import org.apache.http.conn.ConnectionRequest;
import org.apache.http.conn.routing.HttpRoute;

/**
 * What HttpClient's callers get when a lease fails: the one place where pool-core's exceptions become the
 * ones HttpClient 4.5's {@code PoolingHttpClientConnectionManager} throws (see the class javadoc of
 * {@link RoutePoolConnectionManager} for where they deliberately differ).
 */
final class LeaseExceptions {

    /** HttpClient's message, which the timeout message starts with. */
    static final String TIMEOUT_MESSAGE = "Timeout waiting for connection from pool";
    /** HttpClient's message, which the shut-down messages start with. */
    static final String SHUT_DOWN_MESSAGE = "Connection pool shut down";
    /** The wrapper's own message: without one, an ExecutionException repeats its cause's. */
    static final String REQUEST_FAILED = "Connection request failed";

    private LeaseExceptions() {
    }

    /**
     * The exception to throw for {@code failure}:
     * <table>
     *   <caption>pool-core's exception, and HttpClient's</caption>
     *   <tr><td>{@code null} (the manager was found shut down) or a {@link PoolClosedException} before
     *       waiting</td><td>a {@link PoolClosedException} (an {@link IllegalStateException}, as HttpClient's)
     *       "Connection pool shut down: ... refuses new connection requests", caused by {@code failure}</td></tr>
     *   <tr><td>a {@link PoolClosedException} while waiting in {@link ConnectionRequest#get}</td>
     *       <td>an {@link ExecutionException} "{@value #REQUEST_FAILED}" caused by a {@link CancellationException} caused by it</td></tr>
     *   <tr><td>{@link TimeoutException}</td><td>{@link ConnectionPoolTimeoutException}, the message starting
     *       with {@value #TIMEOUT_MESSAGE} and going on with pool-core's; no cause (it would repeat the message)</td></tr>
     *   <tr><td>{@link CancellationException}, {@link IOException} (the connection factory failed)</td>
     *       <td>an {@link ExecutionException} "{@value #REQUEST_FAILED}" caused by it</td></tr>
     *   <tr><td>anything else ({@link InterruptedException}, a {@code SelfDeadlockException}, ...)</td>
     *       <td>itself</td></tr>
     * </table>
     *
     * @param waiting whether the failure came from waiting for a connection ({@link ConnectionRequest#get}) rather
     *                than from asking for one
     */
    static Exception translate(final Exception failure, final HttpRoute route, final boolean waiting) {
        if (failure == null || (failure instanceof PoolClosedException && !waiting)) {
            final PoolClosedException refused = new PoolClosedException(SHUT_DOWN_MESSAGE
                    + ": this RoutePoolConnectionManager was shut down and refuses new connection requests");
            if (failure != null) {
                refused.initCause(failure);
            }
            return refused;
        }
        if (failure instanceof PoolClosedException) {
            final CancellationException cancelled = new CancellationException(
                    SHUT_DOWN_MESSAGE + " while waiting for a connection to " + route);
            cancelled.initCause(failure);
            return new ExecutionException(REQUEST_FAILED, cancelled);
        }
        if (failure instanceof TimeoutException) {
            // no cause: it would repeat the message, with a stack of the pool's internals
            return new ConnectionPoolTimeoutException(timeoutMessage(failure.getMessage()));
        }
        if (failure instanceof CancellationException || failure instanceof IOException) {
            return new ExecutionException(REQUEST_FAILED, failure);
        }
        return failure;
    }

    /** {@link #translate} for a request refused before it waits: always a {@link PoolClosedException}. */
    static PoolClosedException refused(final PoolClosedException failure) {
        return (PoolClosedException) translate(failure, null, false);
    }

    private static String timeoutMessage(final String detail) {
        if (detail == null || detail.isEmpty()) {
            return TIMEOUT_MESSAGE;
        }
        return detail.startsWith(TIMEOUT_MESSAGE) ? detail : TIMEOUT_MESSAGE + "; " + detail;
    }
}
