package io.routepool.core;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

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
public final class PoolEntry<R, C> extends PaddedLinked<PoolEntry<R, C>> {

    /** Marks an unbounded deadline. */
    public static final long NEVER = Long.MAX_VALUE;

    /*
     * The state word: bits 0-3 the state, bit 4 FRESH, bits 5-31 a generation count, bumped by every transition
     * that starts a lease (into LEASED or GRANTED from a state that is not a lease), so that a judgement made on
     * one lease (maintenance's reclaim, a parker taking its entry back) can never apply to the next one (no ABA).
     * "Counted" says which of the segment's counters holds the entry's route unit; every entry but a CLOSED one
     * holds one route unit and one pool unit.
     *
     *   state          list     counted   owner                     legal next states
     *   LEASED         leased   leased    one lessee                IDLE, GRANTED, RELEASING (release), DETACHED
     *                                                               (placed as a permit's victim), RECLAIMED,
     *                                                               LEASED_SHUT (close IMMEDIATE), RELEASING_SHUT,
     *                                                               PARKED (the lock-free release)
     *   PARKED         leased   leased    nobody: idle, claimable   LEASED (claimed by CAS, or taken back by its
     *                                     by CAS without a lock     parker), IDLE (captured into the index)
     *   GRANTED        leased   leased    a waiter not yet woken    LEASED (taken), IDLE, GRANTED, RELEASING,
     *                                                               DETACHED (given back), GRANTED_SHUT
     *   LEASED_SHUT    leased   leased    one lessee; closed by     RELEASING_SHUT
     *                                     close(IMMEDIATE)
     *   GRANTED_SHUT   leased   leased    a waiter; closed          RELEASING_SHUT
     *   IDLE           idle     idle      the pool                  LEASED (claimed), DETACHED, PROBING
     *   PROBING        none     probing   maintenance's probe       DETACHED (then placed again, or closed)
     *   DETACHED       none     allocated the one thread that       CLOSED; IDLE, GRANTED, LEASED (a victim that
     *                           only (*)  detached it               was not needed, or reused by its evictor)
     *   RELEASING      none     leased    the releasing thread      CLOSED (after closing the connection)
     *   RELEASING_SHUT none     leased    the releasing thread      CLOSED (its connection is already closed)
     *   RECLAIMED      none     leased    maintenance               terminal: the lease was taken back; a late
     *                                                               release is recognised and ignored
     *   CLOSED         none     nothing   nobody                    terminal
     *
     * (*) A DETACHED entry that is a permit's victim has passed its units to the waiter holding the permit,
     * which counts them as its own lease's and closes the victim before it creates its connection.
     *
     * Who may change the word, and how. Under the segment's lock, every transition but those below is a plain
     * volatile write: the states it leaves (IDLE, GRANTED, DETACHED, PROBING, RELEASING...) are the lock's. Without
     * the lock, by CAS only (see RouteSegment, "The lock-free hit path"):
     *   PARKED -> LEASED|FRESH  a lease claims it (generation + 1), writes the lease's fields, then clears FRESH
     *                           with an ordered store; while FRESH is set nobody else writes the word (maintenance
     *                           skips the entry, close(IMMEDIATE) waits for the bit to clear);
     *   LEASED -> PARKED        its lessee releases it (same generation);
     *   PARKED -> LEASED        its parker takes it back for the locked path (CAS on the exact word it parked, so
     *                           a claim and release in between make it fail);
     * and, under the lock but racing those: PARKED -> IDLE (capture), LEASED -> RECLAIMED and LEASED -> LEASED_SHUT,
     * each a CAS.
     *
     * A release requires LEASED, so a second release (the entry is IDLE, PARKED, GRANTED to a waiter, or leased
     * again by someone else and thus LEASED under another generation) is refused.
     */
    static final int LEASED = 1;
    static final int GRANTED = 2;
    static final int LEASED_SHUT = 3;
    static final int GRANTED_SHUT = 4;
    static final int IDLE = 5;
    static final int PROBING = 6;
    static final int DETACHED = 7;
    static final int RELEASING = 8;
    static final int RELEASING_SHUT = 9;
    static final int RECLAIMED = 10;
    static final int CLOSED = 11;
    static final int PARKED = 12;
    private static final int STATE_BITS = 0xF;
    /** Set while a lock-free claim writes the new lease's fields. */
    private static final int FRESH = 0x10;
    private static final int GENERATION_ONE = 0x20;

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<PoolEntry> WORD = AtomicIntegerFieldUpdater.newUpdater(PoolEntry.class, "word");

    /** See the table above. */
    private volatile int word;

    /** The entry's route pool, whose lock guards the state word, the links and the lease fields. */
    final RouteSegment<R, C> segment;
    private final long id;
    private final C connection;
    private final long created;
    private final long validityDeadline;

    // Written by the lessee before release (or by the pool under segment.lock); published to the next lessee by
    // segment.lock, or, on the lock-free path, by the release's CAS on the word and the claim's CAS that reads it.
    private Object state;
    long updated;
    long expiry;

    // Who holds the current lease (LeaseLedger; guarded by the segment's lock): written when the entry is leased or granted,
    // read by maintenance and reports under the lock. borrower and leaseSite are cleared at release so that an
    // idle entry keeps no thread or stack reachable.
    /** The thread that asked for the lease (for an async lease, the thread that called leaseAsync). */
    Thread borrower;
    /** Leased through leaseAsync: its borrower is the caller, but any thread may complete and release it. */
    boolean asyncLease;
    /** When the lease began, on the pool's lease clock (see Clocks). */
    long leasedAt;
    /**
     * Leases this connection has served, this one included (maxUsesPerConnection): counted when a lease begins, by its
     * one writer at a time (the lock holder, or the lock-free claimer while FRESH), read by the lessee at release.
     */
    int leases;
    /**
     * When maintenance first saw this lease (Clocks.UNSET until then). With the coarse clock, leasedAt may be
     * early by as long as the clock went unrefreshed; a lease is judged old only once maintenance has itself
     * seen it long enough (MaintenancePass.judgedAge).
     */
    long firstSeenLeased;
    /** Where it was leased; null unless stack capture is on. */
    Throwable leaseSite;
    /** This lease was reported as a suspected leak (once per lease). */
    boolean leakReported;
    /** When maintenance last probed this idle connection (guarded by the segment's lock; read racily to order probes). */
    long lastProbed = Long.MIN_VALUE;
    /** Links in its idle index's list of entries of its state (IdleIndex; guarded by the segment's lock). */
    PoolEntry<R, C> statePrev;
    PoolEntry<R, C> stateNext;
    /** The state list holding it while idle, or null. */
    IdleIndex.StateList<R, C> stateList;
    /**
     * Lock-free claims of this entry not yet added to its segment's reused count: written by the claimer (while
     * FRESH), folded into the segment's count under its lock when the entry leaves the leased list.
     */
    long fastReuses;
    /**
     * The state spot this entry was last claimed from or moved to (StateSpots.spotOf): a hint, written without a lock by
     * its lessee or the release that moves it, and used only after its key and liveness are checked against the entry.
     */
    StateSpots.Spot<R, C> stateSpot;

    PoolEntry(RouteSegment<R, C> segment, long id, C connection, long created, long validityDeadline) {
        this.segment = segment;
        this.id = id;
        this.connection = connection;
        this.created = created;
        this.validityDeadline = validityDeadline;
        this.updated = created;
        this.expiry = validityDeadline;
        this.word = LEASED; // a new entry is created for its first lessee
    }

    // ---------------------------------------------------------------- state transitions (under lock)

    private static int st(int w) {
        return w & STATE_BITS;
    }

    private int st() {
        return st(word);
    }

    private static boolean isLease(int state) {
        return state == LEASED || state == GRANTED || state == LEASED_SHUT || state == GRANTED_SHUT;
    }

    /** The word {@code w} moved to {@code to}: a new lease bumps the generation; FRESH is cleared. */
    private static int next(int w, int to) {
        int gen = w & ~(STATE_BITS | FRESH);
        if (isLease(to) && !isLease(st(w))) {
            gen += GENERATION_ONE;
        }
        return gen | to;
    }

    /** Under the lock, from a state only the lock's holder changes (see the table). */
    private void move(int to) {
        word = next(word, to);
    }

    private void from(int to, int a) {
        assert segment.lock.isHeldByCurrentThread();
        if (st() != a) {
            throw illegal(to);
        }
        move(to);
    }

    private void fromEither(int to, int a, int b) {
        assert segment.lock.isHeldByCurrentThread();
        int s = st();
        if (s != a && s != b) {
            throw illegal(to);
        }
        move(to);
    }

    private IllegalStateException illegal(int to) {
        return new IllegalStateException("Pool entry " + id + " cannot go from " + name(st()) + " to " + name(to));
    }

    static String name(int state) {
        switch (state) {
            case LEASED: return "LEASED";
            case GRANTED: return "GRANTED";
            case LEASED_SHUT: return "LEASED_SHUT";
            case GRANTED_SHUT: return "GRANTED_SHUT";
            case IDLE: return "IDLE";
            case PROBING: return "PROBING";
            case DETACHED: return "DETACHED";
            case RELEASING: return "RELEASING";
            case RELEASING_SHUT: return "RELEASING_SHUT";
            case RECLAIMED: return "RECLAIMED";
            case CLOSED: return "CLOSED";
            case PARKED: return "PARKED";
            default: throw new AssertionError(state);
        }
    }

    /** The state (one of the constants above); under lock, or racily as a hint. */
    int placement() {
        return st();
    }

    boolean is(int state) {
        return st() == state;
    }

    /** Held by a lessee (LEASED, or LEASED_SHUT after close(IMMEDIATE)): what lease reports list. */
    boolean isHeld() {
        int s = st();
        return s == LEASED || s == LEASED_SHUT;
    }

    /** In the leased list: a lessee's or a waiter's. */
    boolean isLeasedOrGranted() {
        int s = st();
        return s == LEASED || s == GRANTED || s == LEASED_SHUT || s == GRANTED_SHUT;
    }

    /** Its connection was closed by close(IMMEDIATE) while leased or granted. */
    boolean isShut() {
        int s = st();
        return s == LEASED_SHUT || s == GRANTED_SHUT;
    }

    // ---------------------------------------------------------------- the lock-free hit path (no lock)

    /** The whole word, for a later CAS against exactly this value. */
    int word() {
        return word;
    }

    /** A word of a lease whose fields are written and that is not closed: what a lock-free release needs. */
    static boolean isSettledLease(int w) {
        return (w & (STATE_BITS | FRESH)) == LEASED;
    }

    static boolean isParked(int w) {
        return st(w) == PARKED;
    }

    /** Idle in the index or parked: a connection a lease could take. */
    static boolean isIdleOrParked(int w) {
        int s = st(w);
        return s == PARKED || s == IDLE;
    }

    static int generation(int w) {
        return w >>> 5;
    }

    /** PARKED (as read in {@code w}) to LEASED|FRESH: a lock-free claim; the caller writes the lease, then {@link #leaseStarted}. */
    boolean claimParked(int w) {
        return st(w) == PARKED && WORD.compareAndSet(this, w, next(w, LEASED) | FRESH);
    }

    /** The claimer has written the lease's fields: clears FRESH (an ordered store; nobody else writes the word meanwhile). */
    void leaseStarted() {
        WORD.lazySet(this, word & ~FRESH);
    }

    /** LEASED (as read in {@code w}, settled) to PARKED, same generation: the parked word, or 0 if the CAS failed. */
    int park(int w) {
        int parked = (w & ~STATE_BITS) | PARKED;
        return isSettledLease(w) && WORD.compareAndSet(this, w, parked) ? parked : 0;
    }

    /** Its parker takes it back (PARKED as it parked it, to LEASED of the same lease); false if somebody took it. */
    boolean unpark(int parked) {
        return WORD.compareAndSet(this, parked, (parked & ~STATE_BITS) | LEASED);
    }

    /** Under the lock: PARKED to IDLE (into the index), or false if a claim or its parker took it first. */
    boolean capture() {
        assert segment.lock.isHeldByCurrentThread();
        int w = word;
        return st(w) == PARKED && WORD.compareAndSet(this, w, (w & ~STATE_BITS) | IDLE);
    }

    /** IDLE to LEASED: a lease claimed it from the idle index. */
    void claim() {
        from(LEASED, IDLE);
    }

    /** IDLE to PROBING: maintenance took it out for a probe. */
    void startProbe() {
        from(PROBING, IDLE);
    }

    /** Any placed-again state to IDLE (a release, a grant given back, a victim or probe put back). */
    void toIdle() {
        assert segment.lock.isHeldByCurrentThread();
        int s = st();
        if (s != LEASED && s != GRANTED && s != DETACHED) {
            throw illegal(IDLE);
        }
        move(IDLE);
    }

    /** Handed to a waiter that has not taken it yet: a second release by the previous lessee now fails. */
    void toGranted() {
        assert segment.lock.isHeldByCurrentThread();
        int s = st();
        if (s != LEASED && s != GRANTED && s != DETACHED) {
            throw illegal(GRANTED);
        }
        move(GRANTED);
    }

    /** GRANTED to LEASED: the waiter took it. */
    void takeGrant() {
        from(LEASED, GRANTED);
    }

    /** DETACHED to LEASED: an evicted victim reused by the lease that evicted it. */
    void reuseDetached() {
        from(LEASED, DETACHED);
    }

    /** Out of every list, counted in allocated only: evicted, expired, surplus, or a permit's victim. */
    void detach() {
        assert segment.lock.isHeldByCurrentThread();
        int s = st();
        if (s != IDLE && s != PROBING && s != LEASED && s != GRANTED) {
            throw illegal(DETACHED);
        }
        move(DETACHED);
    }

    /** A lessee gave it up (release, failed check, closed pool): unlinked, still counted in leased, to close. */
    void toReleasing() {
        assert segment.lock.isHeldByCurrentThread();
        int s = st();
        if (s == LEASED_SHUT || s == GRANTED_SHUT) {
            move(RELEASING_SHUT);
        } else if (s == LEASED || s == GRANTED) {
            move(RELEASING);
        } else {
            throw illegal(RELEASING);
        }
    }

    /**
     * close(IMMEDIATE) closes the connection of a leased or granted entry: true if it moved it to *_SHUT, false if
     * it was not a lease (a parked entry's parker closes it on the locked path). Waits out a lock-free claim's FRESH.
     */
    boolean shut() {
        assert segment.lock.isHeldByCurrentThread();
        for (;;) {
            int w = word;
            if ((w & FRESH) != 0) {
                Thread.yield();
                continue;
            }
            int s = st(w);
            if (s == GRANTED) {
                word = next(w, GRANTED_SHUT); // a grant is the lock's
                return true;
            }
            if (s != LEASED) {
                return false;
            }
            if (WORD.compareAndSet(this, w, next(w, LEASED_SHUT))) {
                return true;
            }
        }
    }

    /** LEASED (exactly the lease judged in {@code w}) to RECLAIMED: maintenance took it back; false if it ended meanwhile. */
    boolean reclaim(int w) {
        assert segment.lock.isHeldByCurrentThread();
        return isSettledLease(w) && WORD.compareAndSet(this, w, next(w, RECLAIMED));
    }

    /** Its connection is closed and its units are being freed: which counter held its route unit. */
    boolean countedLeased() {
        int s = st();
        return s == RELEASING || s == RELEASING_SHUT || s == RECLAIMED;
    }

    /** The connection is closed and the units freed: CLOSED (a RECLAIMED entry stays RECLAIMED). */
    void toClosed() {
        assert segment.lock.isHeldByCurrentThread();
        int s = st();
        if (s == RECLAIMED) {
            return;
        }
        fromEither(CLOSED, s == DETACHED ? DETACHED : RELEASING, RELEASING_SHUT);
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
