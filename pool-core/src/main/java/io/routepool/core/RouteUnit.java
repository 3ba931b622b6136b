package io.routepool.core;

/** Where a route unit that is being freed was counted in its {@link RouteSegment}. */
enum RouteUnit {
    /** In {@code leased}: a lessee's reservation or entry. */
    LEASED,
    /** In {@code reserved}: held by a waiter in the capacity queue. */
    RESERVED,
    /** In no counter but {@code allocated}: an entry detached for closing. */
    DETACHED
}
