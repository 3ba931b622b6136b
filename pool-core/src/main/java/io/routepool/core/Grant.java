package io.routepool.core;

/** What a waiter was handed (see {@link Waiter#grant}). */
enum Grant {
    /** An entry, already leased on the waiter's behalf (GRANTED until the waiter takes it). */
    ENTRY,
    /** Capacity (a route and a pool unit) to create a connection, after closing the victim, if any. */
    PERMIT,
    /** A limit changed or a route unit was freed: run the lease again. */
    RETRY,
    /** The pool closed. */
    FAILED
}
