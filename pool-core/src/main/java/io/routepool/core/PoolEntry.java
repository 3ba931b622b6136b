package io.routepool.core;

/**
 * A pooled connection and its bookkeeping: the handle a lease returns and a release takes back.
 * The same object is handed out again each time its connection is reused.
 *
 * <p>Times are nanoseconds on the pool's {@link TimeSource}; {@link #NEVER} means unbounded.
 * {@code validityDeadline} is fixed at creation ({@code created + timeToLive}); {@code expiry} is
 * set at each release to {@code min(now + keepAlive, validityDeadline)}.
 *
 * <p>While an entry is leased, its lessee may read it and call {@link #setState}; the pool does not
 * touch it. While it is idle, the pool owns it and its fields may change under another lessee;
 * values read then (for instance from {@link KeyedPool#availableEntries()}) are a snapshot.
 *
 * @param <R> route
 * @param <C> connection
 */
public final class PoolEntry<R, C> {

    /** Marks an unbounded deadline. */
    public static final long NEVER = Long.MAX_VALUE;

    // Placement, guarded by segment.lock. Every entry is in exactly one place.
    static final int LEASED = 1;   // in segment's leased list, owned by one lessee (or granted to a waiter)
    static final int IDLE = 2;     // in segment's idle list
    static final int DETACHED = 3; // in no list: being evicted/closed by the thread that detached it
    static final int CLOSED = 4;   // closed; never placed again
    static final int GRANTED = 5;  // in segment's leased list, handed to a waiter that has not taken it yet

    final RouteSegment<R, C> segment;
    private final long id;
    private final C connection;
    private final long created;
    private final long validityDeadline;

    // Written by the lessee before release (or by the pool under segment.lock);
    // published to the next lessee by segment.lock.
    private Object state;
    long updated;
    long expiry;

    // Guarded by segment.lock.
    int placement;
    /** Set under segment.lock when close(IMMEDIATE) closed this leased connection: release must not close it again. */
    boolean closedByPool;
    PoolEntry<R, C> prev;
    PoolEntry<R, C> next;

    // Who holds the current lease (guarded by segment.lock): written when the entry is leased or granted,
    // read by maintenance and reports under the lock. borrower and leaseSite are cleared at release so
    // that an idle entry keeps no thread or stack reachable.
    /** The thread that asked for the lease (for an async lease, the thread that called leaseAsync). */
    Thread borrower;
    /** Leased through leaseAsync: its borrower is the caller, but any thread may complete and release it. */
    boolean asyncLease;
    /** When the lease began, on the pool's coarse clock (see LockLightPool.leaseClock). */
    long leasedAt;
    /**
     * When maintenance first saw this lease (UNSET until then). With the coarse clock, leasedAt may be early by
     * as long as the clock went unrefreshed; a lease is judged old only once maintenance has itself seen it
     * long enough (LockLightPool.judgedAge).
     */
    long firstSeenLeased;
    /** Where it was leased; null unless stack capture is on. */
    Throwable leaseSite;
    /** This lease was reported as a suspected leak (once per lease). */
    boolean leakReported;
    /** Maintenance reclaimed this abandoned lease: the entry is closed for good and a late release is ignored. */
    boolean reclaimed;
    /** When maintenance last probed this idle connection (guarded by segment.lock; read racily to order probes). */
    long lastProbed = Long.MIN_VALUE;

    PoolEntry(RouteSegment<R, C> segment, long id, C connection, long created, long validityDeadline) {
        this.segment = segment;
        this.id = id;
        this.connection = connection;
        this.created = created;
        this.validityDeadline = validityDeadline;
        this.updated = created;
        this.expiry = validityDeadline;
    }

    /** The route this connection serves. */
    public R route() {
        return segment.route;
    }

    /** The pooled connection. */
    public C connection() {
        return connection;
    }

    /**
     * Creation number within the pool, in the order in which leases took the capacity to create
     * (1, 2, 3, ...); a creation that failed leaves a gap.
     */
    public long id() {
        return id;
    }

    /** The state stored with the connection (HttpClient: the user token), or {@code null}. */
    public Object state() {
        return state;
    }

    /** Sets the state the connection will carry when released; call only while holding the lease. */
    public void setState(Object state) {
        this.state = state;
    }

    public long createdNanos() {
        return created;
    }

    /** When the entry was last released (its creation time before its first release). */
    public long updatedNanos() {
        return updated;
    }

    /** {@code created + timeToLive}, or {@link #NEVER}. */
    public long validityDeadlineNanos() {
        return validityDeadline;
    }

    /** When the idle connection expires, or {@link #NEVER}. */
    public long expiryNanos() {
        return expiry;
    }

    /** {@code now >= expiry}, as HttpCore's {@code PoolEntry.isExpired}. */
    public boolean isExpired(long nowNanos) {
        return nowNanos >= expiry;
    }

    @Override
    public String toString() {
        return "[id:" + id + "][route:" + segment.route + "][state:" + state + "]";
    }
}
