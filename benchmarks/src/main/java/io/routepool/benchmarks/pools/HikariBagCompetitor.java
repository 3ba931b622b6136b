package io.routepool.benchmarks.pools;

import com.zaxxer.hikari.util.ConcurrentBag;
import com.zaxxer.hikari.util.ConcurrentBag.IConcurrentBagEntry;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.apache.http.HttpHost;

/**
 * HikariCP 5.1.0's {@link ConcurrentBag}, pre-filled with a fixed number of entries and a no-op
 * listener: {@code borrow(10 s)} / {@code requite}. Not keyed, no state, no limits and no creation
 * logic: it is the ceiling a keyed pool is measured against, not a peer. Only for routes=1, no state.
 */
final class HikariBagCompetitor extends Competitor {

    private final ConcurrentBag<BagEntry> bag;

    HikariBagCompetitor(int entries) {
        bag = new ConcurrentBag<>(waiting -> { });
        for (int i = 0; i < entries; i++) {
            created.incrementAndGet();
            bag.add(new BagEntry());
        }
    }

    @Override
    public Object lease(HttpHost route, Object state) throws Exception {
        BagEntry entry = bag.borrow(TIMEOUT_SECONDS, TIMEOUT_UNIT);
        if (entry == null) {
            throw new java.util.concurrent.TimeoutException("ConcurrentBag: no entry within " + TIMEOUT_SECONDS + " s");
        }
        return entry;
    }

    @Override
    public void release(Object handle, Object state) {
        bag.requite((BagEntry) handle);
    }

    @Override
    public void addIdle(HttpHost route, Object state) {
        created.incrementAndGet();
        bag.add(new BagEntry());
    }

    @Override
    public int leased() {
        return bag.getCount(IConcurrentBagEntry.STATE_IN_USE);
    }

    @Override
    public void close() {
        bag.close();
    }

    /** A bag entry: one int state word, CASed by borrow, stored by requite. */
    static final class BagEntry implements IConcurrentBagEntry {
        private static final AtomicIntegerFieldUpdater<BagEntry> STATE =
                AtomicIntegerFieldUpdater.newUpdater(BagEntry.class, "state");

        private volatile int state;

        @Override
        public boolean compareAndSet(int expect, int update) {
            return STATE.compareAndSet(this, expect, update);
        }

        @Override
        public void setState(int update) {
            state = update;
        }

        @Override
        public int getState() {
            return state;
        }
    }
}
