package io.routepool.core;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Who holds one leased connection, and since when: a snapshot taken by the pool for a report
 * ({@link Diagnostic}, {@link KeyedPool#leases()}). Every lease records its borrower (the thread that
 * asked for it) and its lease time; the stack trace only when stack capture is on.
 *
 * <p>Its fields, in the order of the constructor's parameters:
 * <ul>
 *   <li>{@code route}: the connection's route</li>
 *   <li>{@code connectionId}: the entry's {@link PoolEntry#id()}</li>
 *   <li>{@code state}: the state the connection was leased with (HttpClient: the user token)</li>
 *   <li>{@code holder}: the borrower thread's name</li>
 *   <li>{@code holderId}: the borrower thread's id</li>
 *   <li>{@code holderState}: the borrower thread's state when the snapshot was taken ({@code TERMINATED}: the thread that leased it has ended; unless another thread releases the connection on its behalf, nobody will)</li>
 *   <li>{@code ageNanos}: how long the connection has been leased, to the resolution of the pool's coarse clock (the maintenance interval at worst)</li>
 *   <li>{@code leaseSite}: the stack of the borrower when it leased the connection, or {@code null} unless {@link PoolBuilder#captureLeaseStacks(boolean)} is on</li>
 *   <li>{@code async}: leased through {@link KeyedPool#leaseAsync}: the holder is the thread that asked, while the connection is used and released by whatever thread completes the future</li>
 * </ul>
 */
public final class LeaseInfo<R> {

    private final R route;
    private final long connectionId;
    private final Object state;
    private final String holder;
    private final long holderId;
    private final Thread.State holderState;
    private final long ageNanos;
    private final Throwable leaseSite;
    private final boolean async;

    /** The snapshot's fields, in the order of the accessors (see the class description). */
    public LeaseInfo(R route, long connectionId, Object state, String holder, long holderId,
            Thread.State holderState, long ageNanos, Throwable leaseSite, boolean async) {
        this.route = route;
        this.connectionId = connectionId;
        this.state = state;
        this.holder = holder;
        this.holderId = holderId;
        this.holderState = holderState;
        this.ageNanos = ageNanos;
        this.leaseSite = leaseSite;
        this.async = async;
    }

    /** The connection's route. */
    public R route() {
        return route;
    }

    /** The entry's {@link PoolEntry#id()}. */
    public long connectionId() {
        return connectionId;
    }

    /** The state the connection was leased with (HttpClient: the user token). */
    public Object state() {
        return state;
    }

    /** The borrower thread's name. */
    public String holder() {
        return holder;
    }

    /** The borrower thread's id. */
    public long holderId() {
        return holderId;
    }

    /** The borrower thread's state when the snapshot was taken ({@code TERMINATED}: it has ended). */
    public Thread.State holderState() {
        return holderState;
    }

    /** How long the connection has been leased. */
    public long ageNanos() {
        return ageNanos;
    }

    /** The borrower's stack when it leased the connection, or {@code null} unless stack capture is on. */
    public Throwable leaseSite() {
        return leaseSite;
    }

    /** Leased through {@link KeyedPool#leaseAsync}. */
    public boolean async() {
        return async;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof LeaseInfo)) {
            return false;
        }
        LeaseInfo<?> l = (LeaseInfo<?>) o;
        return connectionId == l.connectionId && holderId == l.holderId && ageNanos == l.ageNanos && async == l.async
                && java.util.Objects.equals(route, l.route) && java.util.Objects.equals(state, l.state)
                && java.util.Objects.equals(holder, l.holder) && holderState == l.holderState
                && java.util.Objects.equals(leaseSite, l.leaseSite);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(route, connectionId, state, holder, holderId, holderState, ageNanos, leaseSite, async);
    }


    public Duration age() {
        return Duration.ofNanos(ageNanos);
    }

    /** E.g. {@code connection 7 leased 12.3 s ago by thread "worker-1" (id 31, WAITING)}. */
    @Override
    public String toString() {
        return "connection " + connectionId + " leased " + seconds(ageNanos) + " ago by thread \"" + holder
                + "\" (id " + holderId + ", " + holderState + (async ? ", async lease" : "") + ")";
    }

    /** "0.4 s", "12.3 s", "742 s": tenths below a minute. No Formatter: it must not load locale data inside a lease. */
    static String seconds(long nanos) {
        long tenths = TimeUnit.NANOSECONDS.toMillis(Math.max(0, nanos)) / 100;
        return tenths < 600 ? (tenths / 10) + "." + (tenths % 10) + " s" : (tenths / 10) + " s";
    }
}
