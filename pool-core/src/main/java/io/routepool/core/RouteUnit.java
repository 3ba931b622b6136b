package io.routepool.core;

/** Where a route unit that is being freed without an entry was counted in its {@link RouteSegment}. */
enum RouteUnit {
    /** In {@code leased}: a lessee's reservation for a connection it did not create. */
    LEASED,
    /** In {@code reserved}: held by a waiter in the capacity queue. */
    RESERVED,
    /** In no counter but {@code allocated}: an entry detached for closing. */
    DETACHED
}
