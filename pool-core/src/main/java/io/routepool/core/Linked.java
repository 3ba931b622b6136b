package io.routepool.core;

/**
 * A node of an {@link IntrusiveList}: the links live in the element itself, so linking and unlinking
 * allocate nothing. Every field is guarded by the lock of the list holding the node (see each list's owner).
 */
abstract class Linked<N extends Linked<N>> {

    /** Neighbours in the list holding this node; null at the ends and when in no list. */
    N prev;
    N next;
    /** The list holding this node, or null: a node is in at most one list at a time. */
    IntrusiveList<N> list;
}
