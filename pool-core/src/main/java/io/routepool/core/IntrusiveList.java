package io.routepool.core;

/**
 * The one doubly linked list of the pool: idle entries, leased entries, route waiters and capacity waiters
 * are each one of these. Not thread-safe: each list is guarded by the lock of its owner (a route's lists by
 * the route segment's lock, the capacity queue by its own), which the owner asserts before calling in.
 * Removal from the middle is O(1), which state matching and waiter cancellation need. {@link IdleIndex} and
 * {@link WaiterQueue} extend it (rather than hold one) so that a route's hot fields are one hop from its segment.
 */
class IntrusiveList<N extends Linked<N>> {

    private N head;
    private N tail;
    /** == the number of nodes whose {@code list} is this. */
    private int size;

    N head() {
        return head;
    }

    N tail() {
        return tail;
    }

    int size() {
        return size;
    }

    boolean contains(N n) {
        return n.list == this;
    }

    void addFirst(N n) {
        link(n, null, head);
    }

    void addLast(N n) {
        link(n, tail, null);
    }

    /** Links {@code n} right after {@code at} (towards the tail); {@code at == null} makes it the head. */
    void insertAfter(N at, N n) {
        if (at == null) {
            addFirst(n);
        } else {
            link(n, at, at.next);
        }
    }

    private void link(N n, N before, N after) {
        assert n.list == null : "node already in a list";
        n.list = this;
        n.prev = before;
        n.next = after;
        if (before != null) {
            before.next = n;
        } else {
            head = n;
        }
        if (after != null) {
            after.prev = n;
        } else {
            tail = n;
        }
        size++;
    }

    void remove(N n) {
        assert n.list == this : "node not in this list";
        if (n.prev != null) {
            n.prev.next = n.next;
        } else {
            head = n.next;
        }
        if (n.next != null) {
            n.next.prev = n.prev;
        } else {
            tail = n.prev;
        }
        n.prev = null;
        n.next = null;
        n.list = null;
        size--;
    }

    /** Removes and returns the tail, or null when empty. */
    N removeLast() {
        N n = tail;
        if (n != null) {
            remove(n);
        }
        return n;
    }
}
