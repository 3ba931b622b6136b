package io.routepool.core;

/** How a connection is closed: politely (flush, orderly shutdown) or at once (abort in-flight I/O). */
public enum CloseMode {
    /** Flush and close in an orderly way; used for idle, expired and surplus connections. */
    GRACEFUL,
    /** Close at once, abandoning in-flight I/O; used by {@link KeyedPool#close(CloseMode)} for leased connections. */
    IMMEDIATE
}
