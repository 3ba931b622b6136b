package io.routepool.core;

/**
 * 128 bytes between a node's links and its subclass's fields. Entries are allocated one after another, and each is
 * written by the core that holds its lease (the state word, the release times, the lease's fields): without this,
 * two entries leased on two cores could share a cache line (or an adjacent-line prefetch pair) and every lease
 * and release would move it between the cores. The JVM lays a superclass's fields out before its subclass's.
 */
abstract class PaddedLinked<N extends Linked<N>> extends Linked<N> {
    long p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15, p16;
}
