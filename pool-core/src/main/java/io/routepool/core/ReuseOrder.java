package io.routepool.core;

/**
 * Which idle connection of a route a lease takes (among those whose state it can use): the most recently
 * released ({@link #LIFO}, HttpCore's default, which keeps the fewest connections busy and lets the rest
 * expire), or the least recently released ({@link #FIFO}, which spreads use over all of them). Eviction
 * always takes the least recently released idle connection, whatever the order.
 */
public enum ReuseOrder {
    LIFO,
    FIFO
}
