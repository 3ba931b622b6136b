package io.routepool.core;

import java.util.ArrayList;
import java.util.List;

/**
 * {@link KeyedPool#closeIdle} and {@link KeyedPool#closeExpired}: closes the idle entries a rule selects and,
 * as HttpCore's {@code enumAvailable} does, idle entries whose connection the factory reports closed; then
 * purges empty routes. isOpen is asked outside the lock, on a snapshot; an entry leased meanwhile is left to
 * its lessee's checks.
 */
final class Sweeper<R, C> {

    /** Which idle entries a sweep closes. */
    interface Rule {
        boolean doomed(PoolEntry<?, ?> e);
    }

    private final PoolParts<R, C> p;

    Sweeper(PoolParts<R, C> parts) {
        this.p = parts;
    }

    void sweep(Rule rule) {
        for (RouteSegment<R, C> seg : p.segments.all()) {
            sweep(seg, rule);
        }
        p.segments.purgeEmpty();
    }

    private void sweep(RouteSegment<R, C> seg, Rule rule) {
        List<PoolEntry<R, C>> victims = new ArrayList<>();
        List<PoolEntry<R, C>> others = new ArrayList<>();
        seg.lockExact();
        try {
            for (PoolEntry<R, C> e = seg.idle.oldest(), prev; e != null; e = prev) {
                prev = e.prev;
                if (rule.doomed(e)) {
                    seg.detachIdle(e);
                    victims.add(e);
                } else {
                    others.add(e);
                }
            }
        } finally {
            seg.unlockExact();
        }
        List<PoolEntry<R, C>> dead = new ArrayList<>();
        try {
            for (PoolEntry<R, C> e : others) {
                if (!p.calls.isOpen(e)) {
                    dead.add(e);
                }
            }
        } finally { // the detached victims are closed and their units freed, whatever happened above
            if (!dead.isEmpty()) {
                seg.lockExact();
                try {
                    for (PoolEntry<R, C> e : dead) {
                        if (e.is(PoolEntry.IDLE)) {
                            seg.detachIdle(e);
                            victims.add(e);
                        }
                    }
                } finally {
                    seg.unlockExact();
                }
            }
            p.connections.closeDetached(seg, victims);
        }
    }
}
