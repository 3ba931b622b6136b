package io.routepool.core;

import java.util.ArrayList;
import java.util.List;

/**
 * {@link KeyedPool#close(CloseMode)}: refuses new leases, fails every waiter, closes idle connections (always
 * gracefully) and, with IMMEDIATE, shuts the connections still leased (their holders' release then frees the
 * units without closing again). Leased connections are otherwise closed as they come back.
 */
final class Closer<R, C> {

    private final PoolParts<R, C> p;

    Closer(PoolParts<R, C> parts) {
        this.p = parts;
    }

    void close(CloseMode mode) {
        List<Waiter<R, C>> failed = new ArrayList<>();
        for (RouteSegment<R, C> seg : p.segments.all()) {
            List<PoolEntry<R, C>> idle = new ArrayList<>();
            List<PoolEntry<R, C>> shut = new ArrayList<>();
            seg.lockExact();
            try {
                PoolEntry<R, C> e;
                while ((e = seg.detachOldestIdle()) != null) {
                    idle.add(e);
                }
                failed.addAll(seg.waiters.failAll());
                if (mode == CloseMode.IMMEDIATE) {
                    for (e = seg.leasedEntries.head(); e != null; e = e.next) {
                        if (e.shut()) {
                            shut.add(e);
                        }
                    }
                }
            } finally {
                seg.unlockExact();
            }
            p.connections.closeDetached(seg, idle); // idle connections are closed politely in either mode
            for (PoolEntry<R, C> e : shut) {
                p.calls.close(e, CloseMode.IMMEDIATE);
            }
        }
        failed.addAll(p.capacity.failAll());
        for (Waiter<R, C> f : failed) {
            f.wake();
        }
    }
}
