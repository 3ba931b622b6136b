package io.routepool.core;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One route's pool (HttpCore's {@code RouteSpecificPool}): its idle and leased entries, the waiters only a
 * connection of this route can serve, and its counters. Everything but {@link #maxOverride} is guarded by
 * {@link #lock}, and every method asserts it; the counters change only through the methods here.
 *
 * <p>The lock is never held during I/O or user callbacks (but {@code state.equals}, see {@link IdleIndex}).
 * Two segment locks are held together only by a lease's cross-route eviction, lower {@link #order} first; the
 * capacity queue's lock may be taken while holding one, never the other way round.
 *
 * <p>Invariants (under the lock):
 * <ul>
 *   <li>{@code allocated == idle + probing + leased + reserved + (entries DETACHED for closing)};</li>
 *   <li>{@code allocated <= max} at every instant, except after the limit was lowered below the leased count;
 *       and {@code idle > 0} implies {@code allocated <= max} (surplus idle entries are closed at once);</li>
 *   <li>a route waiter is enqueued only while {@code idle == 0};</li>
 *   <li>{@code idle > 0} implies {@link #inIdleSegments} (see {@link Segments#idleSegments()});</li>
 *   <li>the segment leaves the pool's map only when {@link #isEmpty()}, and is then {@link #retired}.</li>
 * </ul>
 *
 * <h2>The lock-free hit path</h2>
 * A lease that finds an idle connection, and its release, take no lock. A release ({@code RoutePool.release}) files
 * the entry in this thread's {@link #spots spot} and parks it (LEASED to PARKED, one CAS on the entry's word); a lease
 * ({@code RoutePool.lease}) claims the entry in its thread's spot (PARKED to LEASED, one CAS) if its state equals the
 * one asked for. Nothing else is written: a parked entry stays in {@link #leasedEntries} and counted in
 * {@code leased}, so the counters and lists above do not move on the hit path. In steady state each core writes only
 * the entries it leases; the spots and {@link #fast} are read-mostly.
 *
 * <p>Everything under the lock sees parked entries as idle, exactly: {@link #lockExact} clears {@link #fast} and
 * captures every parked entry into the idle index, by its release time, before the caller looks at anything
 * ({@link #unlockExact} sets {@code fast} again if the route allows it). While {@code fast} is false no entry stays
 * parked: a release reads {@code fast} after its CAS and, if it is false, takes its entry back and releases it under
 * the lock. (The release writes its word, then reads {@code fast}; lockExact writes {@code fast}, then reads the
 * words: one of the two sees the other, so no parked entry is missed and no waiter misses a release.) A lock-free
 * release parks into a spot that holds its entry, was empty, or whose entry it moved aside ({@link #displace}: a
 * parked one to its state's spot in {@link #stateSpots}, listed before it leaves the thread spot; one that is not
 * parked is replaced, and an entry swapped out that was parked anew meanwhile has its release finished under the lock,
 * see {@link Rescuer}); under the lock, {@link #noteReleased} replaces
 * a spot's entry and captures it if it was parked. A release also checks, after its CAS, that its spot still holds
 * its entry; if not, it takes it back the same way. So every parked entry whose release has returned is in a thread
 * spot or a listed state spot of its segment, where lockExact finds it (thread spots first, then the list).
 */
final class RouteSegment<R, C> {

    final R route;
    /** The pool's segment map that made it (an identity token: which pool an entry came from). */
    final Object owner;
    /** Lock order: when two segment locks are held (eviction for a lease), the lower order is taken first. */
    final long order;
    final ReentrantLock lock = new ReentrantLock();
    final IdleIndex<R, C> idle;
    /** Leased and granted entries, in no particular order (for enumeration, reports and close). */
    final IntrusiveList<PoolEntry<R, C>> leasedEntries = new IntrusiveList<>();
    /** Waiters blocked on this route's limit. */
    final WaiterQueue<R, C> waiters;

    /** This route's own limit, or -1 for the pool default. Written under the segment map's bin lock; read racily. */
    volatile int maxOverride;

    /** Default number of spots: a thread uses the one at its id modulo the number (a power of two). */
    static final int SPOTS = 16;
    /** Spots - 1. */
    private final int stripeMask;
    /**
     * The last entry each stripe of threads released here (a hint: the entry's word is the truth). Written, volatile,
     * by a release only when it changes; read by leases of the same stripe and by {@link #lockExact}. Null under
     * FIFO reuse, which has no lock-free path.
     */
    final AtomicReferenceArray<PoolEntry<R, C>> spots;
    /**
     * The second tier: a parked entry per state that left its thread's spot (see {@link StateSpots} and the class
     * comment). Null under FIFO reuse.
     */
    final StateSpots<R, C> stateSpots;
    /** Entries a capture took from the thread spots, and all it took, being sorted (under the lock; made at the first). */
    private PoolEntry<R, C>[] threadCaptures;
    /** Grows with the most entries ever captured at once. */
    private PoolEntry<R, C>[] captureBuffer;
    /**
     * True while the lock-free path may park and claim here: no route waiter, the route within its limit, the
     * segment registered as holding idle entries (so eviction scans find parked ones), not retired, pool open.
     * Written only under the lock: false by lockExact before it captures, recomputed by unlockExact. Read on every
     * lock-free lease and release (the one read-mostly word of the route they read).
     */
    volatile boolean fast;
    @SuppressWarnings("rawtypes")
    private static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<RouteSegment> STRIPES_USED =
            java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(RouteSegment.class, "stripesUsed");
    /**
     * One bit per thread spot that has ever held an entry ({@link #fillSpot}, {@link #noteReleased}): set before the
     * spot is first written, never cleared; so a reader that reads the mask and then the spots of its bits sees every
     * spot filled before it read the mask. Read-mostly (written once per stripe); lets {@link #claimDisplaced} read
     * only the spots in use.
     */
    private volatile int stripesUsed;
    private final PoolState pool;
    /** The pool's list of segments that may hold idle entries (Segments). */
    private final java.util.Queue<RouteSegment<R, C>> idleSegments;

    /** The capture-storm guard (see {@link CaptureStorms}), guarded by the lock. */
    private final CaptureStorms storms;

    /** Leased entries + creations in flight for a lessee + entries unlinked for closing by their lessee. */
    private int leased;
    /** Idle entries taken out for maintenance's probe; counted as available. */
    private int probing;
    /** Route units held by this route's waiters in the pool's capacity queue. */
    private int reserved;
    /**
     * Of those, the waiters that joined the capacity queue (stats count them as pending): raised in the critical
     * section that links the node, lowered when its owner handles its grant or withdraws it.
     */
    private int capacityWaiters;
    /** Route units in use (see the invariants). */
    private int allocated;
    /** Idle entries handed to leases (claimed or granted), including those then found unusable. */
    private long reused;
    /** Removed from the pool's map; a thread that finds it retired looks the route up again. */
    private boolean retired;
    /** In the pool's list of segments that may have idle entries. */
    boolean inIdleSegments;
    /** What this route learned about its server's idle close (its own invariants; read without the lock). */
    final IdleCloses idleCloses;
    /** Its pre-warming (minIdlePerRoute), guarded by the lock. */
    final WarmState warm;

    RouteSegment(Object owner, R route, int maxOverride, long order, boolean fifo, PoolState pool, int spotCount,
            java.util.Queue<RouteSegment<R, C>> idleSegments, IdleCloses idleCloses, boolean warmNamed) {
        this.warm = new WarmState(warmNamed);
        this.idleSegments = idleSegments;
        this.idleCloses = idleCloses;
        this.idle = new IdleIndex<>(lock, fifo);
        this.spots = fifo ? null : new AtomicReferenceArray<>(spotCount);
        this.stateSpots = fifo ? null : new StateSpots<>(lock);
        this.storms = new CaptureStorms(lock);
        this.stripeMask = spotCount - 1;
        this.pool = pool;
        this.waiters = new WaiterQueue<>(lock, pool.waiting);
        this.owner = owner;
        this.route = route;
        this.order = order;
        this.maxOverride = maxOverride;
    }

    @SuppressWarnings("unchecked")
    private static <R, C> PoolEntry<R, C>[] newEntries(int n) {
        return (PoolEntry<R, C>[]) new PoolEntry<?, ?>[n];
    }

    int max(int defaultMax) {
        int own = maxOverride;
        return own >= 0 ? own : defaultMax;
    }

    private boolean held() {
        return lock.isHeldByCurrentThread();
    }

    // ---------------------------------------------------------------- locking with an exact view

    /** Locks the segment with every parked entry captured into the idle index (see the class comment). */
    void lockExact() {
        lock.lock();
        makeExact();
    }

    /** Under the lock: captures every parked entry, as lockExact would have (for a caller that locked plainly). */
    void makeExact() {
        assert held();
        if (fast) {
            fast = false; // parkers from now on take their entries back; those before are seen below
            captureParked();
            storms.noteCapture();
        }
        if (stateSpots != null && stateSpots.size() > STATE_SPOTS_SLACK + 2 * allocated) {
            stateSpots.purge(idle, this::rescueLocked); // after the capture: nothing parked but what a release parks now
        }
    }

    /** State spots kept beyond twice the route's connections before a purge forgets those of states with no idle entry. */
    static final int STATE_SPOTS_SLACK = 64;

    /**
     * Sets {@link #fast} if the route allows the lock-free path now, and unlocks. A section that locked plainly (a lease
     * served by affinity or by {@link #claimOfState}, which capture nothing) may find the path no longer allowed (the
     * pool closed, a limit lowered meanwhile): it turns the path off as {@link #makeExact} does, capturing the parked
     * entries, since nothing may stay parked while the path is off (an exact view then captures nothing: close would
     * leave them open, and a waiter would not see them).
     */
    void unlockExact() {
        boolean allow = spots != null && !retired && inIdleSegments && waiters.size() == 0 && !pool.closed
                && allocated <= max(pool.defaultMaxPerRoute) && !storms.pathOff();
        if (allow != fast) {
            if (allow) {
                fast = true;
            } else {
                fast = false;
                captureParked();
            }
        }
        lock.unlock();
    }

    /**
     * Captures the parked entries in the thread spots and the listed state spots, pushed onto the idle index as its
     * newest, among themselves by release time. Every entry already in the index was placed before they were parked: a
     * placement under the lock after a park would have captured it first. The thread spots are read first: a release
     * moving a parked entry to its state spot lists the spot before the entry leaves its thread spot. On a tie in
     * release time (the coarse clock), state spot entries count as older: in one thread they left the thread spot for
     * a later release.
     */
    private void captureParked() {
        assert held();
        PoolEntry<R, C>[] threads = threadCaptures;
        if (threads == null) {
            threads = newEntries(stripeMask + 1);
            threadCaptures = threads;
            captureBuffer = newEntries(2 * (stripeMask + 1));
        }
        int t = 0;
        for (int i = 0; i <= stripeMask; i++) {
            PoolEntry<R, C> e = spots.get(i);
            if (e != null && e.capture()) {
                threads[t++] = e;
            }
        }
        PoolEntry<R, C>[] buf = captureBuffer;
        int n = 0;
        for (StateSpots.Spot<R, C> s = stateSpots.takeListed(); s != null; ) {
            StateSpots.Spot<R, C> next = StateSpots.unlist(s);
            PoolEntry<R, C> e = s.entry;
            if (e != null && e.capture()) {
                if (n + threads.length == buf.length) {
                    buf = java.util.Arrays.copyOf(buf, buf.length * 2);
                    captureBuffer = buf;
                }
                buf[n++] = e;
            }
            s = next;
        }
        for (int i = 0; i < t; i++) {
            buf[n++] = threads[i];
            threads[i] = null;
        }
        if (n > 1) {
            java.util.Arrays.sort(buf, 0, n, BY_RELEASE_TIME); // stable: on ties, state spots stay before thread spots
        }
        for (int i = 0; i < n; i++) {
            intoIndex(buf[i]);
            buf[i] = null;
        }
    }

    private static final java.util.Comparator<PoolEntry<?, ?>> BY_RELEASE_TIME = (a, b) -> Long.compare(a.updated, b.updated);

    /**
     * A captured entry leaves the leased list for the idle index, as its newest entry; the segment stays registered
     * for eviction scans (a scan that found the index empty may have dropped it meanwhile).
     */
    private void intoIndex(PoolEntry<R, C> e) {
        unlinkLeased(e);
        leased--;
        idle.push(e);
        registerIdle();
    }

    /**
     * Under the lock, in an exact view: captures {@code e} if it is parked, filed by its release time (the entry of a
     * purged state spot, which no exact view would find any more: see {@link StateSpots#purge}).
     */
    void rescueLocked(PoolEntry<R, C> e) {
        assert held();
        if (e.capture()) {
            unlinkLeased(e);
            leased--;
            idle.insertByReleaseTime(e);
            registerIdle();
        }
    }

    /**
     * Finishes the release of a parked entry that a lock-free release may have hidden from exact views for a moment
     * ({@link #displace}): an exact view in that moment may have seen no idle entry and queued a waiter, so the entry is
     * placed as a locked release places it (RoutePool), not merely captured.
     */
    interface Rescuer<R, C> {
        void rescue(RouteSegment<R, C> seg, PoolEntry<R, C> e);
    }

    /**
     * Under the lock, when an entry goes idle: registers the segment for eviction scans ({@link Segments#idleSegments()};
     * see the invariant there).
     */
    void registerIdle() {
        assert held();
        if (!inIdleSegments) {
            inIdleSegments = true;
            idleSegments.add(this);
        }
    }

    /** The spot of the current thread's stripe. */
    int stripe(Thread t) {
        return (int) t.getId() & stripeMask;
    }

    /** Marks spot {@code i} as in use (see {@link #stripesUsed}), before it is first written. */
    private void markUsed(int i) {
        int bit = 1 << i;
        int m;
        while (((m = stripesUsed) & bit) == 0 && !STRIPES_USED.compareAndSet(this, m, m | bit)) {
            // another stripe marked itself meanwhile: try again
        }
    }

    /** Without a lock: a release files {@code e} in its empty spot {@code i}; false if the spot is not empty. */
    boolean fillSpot(int i, PoolEntry<R, C> e) {
        markUsed(i);
        return spots.compareAndSet(i, null, e);
    }

    /**
     * Without a lock, the lock-free lease: claims the parked entry in this thread's spot ({@code stripe}) if its state
     * equals {@code state}, else the one in the state's spot ({@link #claimDisplaced}); null if neither serves, and the
     * lease takes the lock. The caller records the lease and calls {@link PoolEntry#leaseStarted}.
     */
    PoolEntry<R, C> claimLockFree(int stripe, Object state) {
        PoolEntry<R, C> e = spots.get(stripe);
        boolean ownOther = false;
        if (e != null) {
            int w = e.word();
            if (PoolEntry.isParked(w)) {
                if (sameState(state, e.state())) { // state read after the word: the CAS fails if a lease came and went
                    if (e.claimParked(w)) {
                        return e;
                    }
                } else {
                    ownOther = true; // parked, of another state: not an entry the second tier must defer to
                }
            }
        }
        return claimDisplaced(stripe, state, ownOther);
    }

    /**
     * Without a lock, the second tier of the lock-free lease (see {@link StateSpots}): claims the parked entry in the
     * spot of {@code state}, for a lease whose thread spot ({@code stripe}) has no usable entry, if it is the newest
     * idle entry of that state; else null, and the lease takes the lock. Newest: every entry in the index is older than
     * every parked one (placements under the lock capture first), and no thread spot shows an idle entry of the state
     * released as late (that one may be newer; and this thread's own, if idle, is its affinity, which the locked path
     * honours). The thread spots are read before the claim; an entry parked in one after that read was released during
     * this lease, which is then ordered before that release. Only the spots in use are read ({@link #stripesUsed}: a
     * spot not in the mask was empty when it was read), and not this thread's own when {@code ownOther} says it was
     * just read holding a parked entry of another state.
     */
    private PoolEntry<R, C> claimDisplaced(int stripe, Object state, boolean ownOther) {
        StateSpots.Spot<R, C> s = stateSpots.get(state);
        if (s == null) {
            return null;
        }
        PoolEntry<R, C> d = s.entry;
        if (d == null) {
            return null;
        }
        int w = d.word();
        if (!PoolEntry.isParked(w) || !sameState(state, d.state())) {
            return null;
        }
        long released = d.updated;
        int used = stripesUsed;
        if (ownOther) {
            used &= ~(1 << stripe); // read a moment ago: its entry was parked and of another state
        }
        for (; used != 0; used &= used - 1) {
            int i = Integer.numberOfTrailingZeros(used);
            PoolEntry<R, C> x = spots.get(i);
            if (x == null || x == d || !PoolEntry.isIdleOrParked(x.word()) || !sameState(state, x.state())) {
                continue;
            }
            if (i == stripe || x.updated >= released) {
                return null;
            }
        }
        if (!d.claimParked(w)) {
            return null;
        }
        // The spot keeps showing d (a hint): when d's release moves it back here, the spot needs no write.
        d.stateSpot = s;
        return d;
    }

    private static boolean sameState(Object asked, Object s) {
        return asked == null ? s == null : asked.equals(s);
    }

    /**
     * Without a lock, by a release of {@code e} whose thread spot {@code i} holds another entry {@code x}: makes the
     * spot hold {@code e} (the caller then parks it) and returns true; or false, changing nothing that matters, and the
     * release takes the lock. A parked {@code x} first moves to its state's spot, which is listed before {@code x}
     * leaves the thread spot (an exact view reads thread spots first, then the list, so it sees {@code x} in one of
     * them); false if that spot already holds a parked entry or there is none yet (the locked release makes it). An
     * {@code x} that is not parked is replaced.
     *
     * <p>A spot shows an entry across its leases (claims leave it showing), so a reference swapped out may name an entry
     * that was parked again after it was judged: every swap reads the word of what it swapped out afterwards, and an
     * entry parked anew (for the thread spot: another generation than the one moved) goes to {@code rescuer}. The
     * entry's parker checks its spot after parking and the swapper reads the word after swapping: one of the two sees
     * the other.
     */
    boolean displace(int i, PoolEntry<R, C> x, PoolEntry<R, C> e, Rescuer<R, C> rescuer) {
        int w = x.word();
        if (PoolEntry.isParked(w)) {
            StateSpots.Spot<R, C> s = stateSpots.spotOf(x);
            if (s == null) {
                return false;
            }
            PoolEntry<R, C> occupant = s.entry;
            if (occupant != x) {
                if (occupant != null && PoolEntry.isParked(occupant.word())) {
                    return false;
                }
                if (!s.replace(occupant, x)) {
                    return false;
                }
                if (occupant != null && PoolEntry.isParked(occupant.word())) {
                    // parked since it was judged: its release may have moved it here with no write (it was showing)
                    rescuer.rescue(this, occupant);
                    return false;
                }
            }
            stateSpots.list(s);
            if (!spots.compareAndSet(i, x, e)) {
                return false; // x is in its thread spot still, or was taken from it: seen either way
            }
            int now = x.word();
            if (s.dead || (now != w && PoolEntry.isParked(now))) {
                rescuer.rescue(this, x); // purged meanwhile (its capture may not have seen x), or parked anew here
            }
            return true;
        }
        if (!spots.compareAndSet(i, x, e)) {
            return false;
        }
        if (PoolEntry.isParked(x.word())) {
            rescuer.rescue(this, x);
        }
        return true;
    }

    /**
     * Under the lock: whether a parked entry of {@code state} may exist (in a thread spot or its state spot); if not,
     * the newest idle entry of that state is the index's (see {@link #claimOfState}).
     */
    boolean mayHaveParked(Object state) {
        assert held();
        for (int i = 0; i <= stripeMask; i++) {
            PoolEntry<R, C> x = spots.get(i);
            if (x != null && PoolEntry.isParked(x.word()) && sameState(state, x.state())) {
                return true;
            }
        }
        StateSpots.Spot<R, C> s = stateSpots.get(state);
        PoolEntry<R, C> d = s == null ? null : s.entry;
        return d != null && PoolEntry.isParked(d.word());
    }

    /**
     * Under the lock, with the lock-free path open and no parked entry of {@code state} ({@link #mayHaveParked}): the
     * index's newest idle entry of exactly that state, claimed without capturing the other states' parked entries
     * (they cannot change which entry HttpCore's rule picks, and capturing them would send their threads through the
     * lock); null if the index has none (the caller then takes the exact view: the rule may fall back to a null state).
     * Callers go through {@link LeaseLedger#claimOfState}.
     */
    PoolEntry<R, C> claimOfState(Object state) {
        assert held() && fast;
        PoolEntry<R, C> e = idle.claimOfState(state);
        return e == null ? null : leaseIdle(e);
    }

    /** Under the lock: a lease of {@code state} missed its thread spot; a later release may move an entry to this state's spot. */
    void ensureStateSpot(Object state) {
        assert held();
        if (stateSpots != null) {
            stateSpots.ensure(state);
        }
    }

    /**
     * Under the lock: the current thread's stripe last released {@code e} here. A spot's entry replaced under the lock:
     * an entry parked there is captured into the index, in the same critical section, so that no exact view misses it
     * (a parker that parks after the swap finds its spot taken and releases under the lock); if it is idle, its state
     * gets a state spot, so that next time the release can move it there without the lock ({@link #displace}).
     */
    void noteReleased(int i, PoolEntry<R, C> e) {
        assert held();
        if (spots != null && spots.get(i) != e) {
            markUsed(i);
            PoolEntry<R, C> old = spots.getAndSet(i, e);
            if (old != null) {
                if (old.capture()) {
                    intoIndex(old);
                }
                if (old.is(PoolEntry.IDLE)) { // idle, so it may have been parked (the exact view captured it first)
                    stateSpots.ensure(old.state());
                }
            }
        }
    }

    /** An entry leaves the leased list: its lock-free claims join the route's reused count. */
    private void unlinkLeased(PoolEntry<R, C> e) {
        leasedEntries.remove(e);
        reused += e.fastReuses;
        e.fastReuses = 0;
    }

    /** A closed entry leaves every spot that still names it (so that no spot keeps a closed connection reachable). */
    private void forgetSpots(PoolEntry<R, C> e) {
        if (spots != null) {
            for (int i = 0; i <= stripeMask; i++) {
                spots.compareAndSet(i, e, null);
            }
            stateSpots.forget(e);
        }
    }

    // ---------------------------------------------------------------- reads (under the lock)

    int leased() {
        assert held();
        return leased;
    }

    int allocated() {
        assert held();
        return allocated;
    }

    int idleCount() {
        assert held();
        return idle.size();
    }

    /** This route's waiters linked in the capacity queue. */
    int capacityWaiters() {
        assert held();
        return capacityWaiters;
    }

    /** Racy hint for scans that lock only segments that look relevant; exact under the lock. */
    int leasedHint() {
        return leased;
    }

    /** Idle entries handed to leases, including lock-free claims of entries still leased. */
    long reused() {
        assert held();
        long n = reused;
        for (PoolEntry<R, C> e = leasedEntries.head(); e != null; e = e.next) {
            n += e.fastReuses;
        }
        return n;
    }

    boolean isRetired() {
        assert held();
        return retired;
    }

    boolean isEmpty() {
        assert held();
        return allocated == 0 && waiters.size() == 0 && capacityWaiters == 0;
    }

    /** Leases waiting on this route: its waiters and its waiters in the capacity queue (as stats count them). */
    int pending() {
        assert held();
        return waiters.size() + capacityWaiters;
    }

    /** Idle entries, counting those out for maintenance's probe (as stats count them). */
    int available() {
        assert held();
        return idle.size() + probing;
    }

    PoolStats stats(int defaultMax) {
        assert held();
        return new PoolStats(leased, waiters.size() + capacityWaiters, idle.size() + probing, max(defaultMax));
    }

    // ---------------------------------------------------------------- transitions of entries and units

    /**
     * A lease claims the most recently released usable idle entry (see {@link IdleIndex#claim}), or null; callers
     * go through {@link LeaseLedger#claim}, which records the new lease.
     */
    PoolEntry<R, C> claimIdle(Object state) {
        assert held();
        PoolEntry<R, C> e = affine(state);
        if (e != null) {
            idle.take(e);
        } else {
            e = idle.claim(state);
        }
        return e == null ? null : leaseIdle(e);
    }

    /**
     * Under the lock, before any capture: the idle entry the current thread released last (thread affinity), if
     * its state equals {@code state}, else null. Needs no exact view: affinity comes before HttpCore's rule, so a
     * lease whose own connection an exact view captured into the index gets it back without capturing the other
     * threads' parked entries (which would send each of them through the lock in turn).
     */
    PoolEntry<R, C> claimAffine(Object state) {
        assert held();
        PoolEntry<R, C> e = affine(state);
        if (e == null) {
            return null;
        }
        idle.take(e);
        return leaseIdle(e);
    }

    /**
     * Thread affinity on the locked path too: the idle entry the current thread's stripe released last here, if its
     * state equals {@code state}; so a thread gets back the connection it used last, whichever path serves it.
     */
    private PoolEntry<R, C> affine(Object state) {
        if (spots == null) {
            return null;
        }
        PoolEntry<R, C> e = spots.get(stripe(Thread.currentThread()));
        if (e == null || !e.is(PoolEntry.IDLE)) {
            return null;
        }
        Object s = e.state();
        return sameState(state, s) ? e : null;
    }

    /** An idle entry taken out of the index becomes a lease (reused). */
    private PoolEntry<R, C> leaseIdle(PoolEntry<R, C> e) {
        e.claim();
        leasedEntries.addFirst(e);
        leased++;
        reused++;
        return e;
    }

    /** A lease takes a route unit to create a connection (the pool unit was taken with it). */
    void takeUnitForCreate() {
        assert held() && !retired;
        allocated++;
        leased++;
    }

    /** The units of an evicted victim pass to a lease of this route: its route unit if it was ours, else a new one. */
    void takeOverVictim(boolean victimOfThisRoute) {
        assert held();
        if (!victimOfThisRoute) {
            allocated++;
        }
        leased++;
    }

    /** A freed unit becomes a route waiter's permit to create. */
    void unitToPermit() {
        assert held();
        leased++;
    }

    /** A new connection for a lessee whose unit is already counted. */
    void linkCreated(PoolEntry<R, C> e) {
        assert held();
        leasedEntries.addFirst(e);
    }

    /** A detached victim is reused by the lease that evicted it. */
    void reuseDetached(PoolEntry<R, C> e) {
        assert held();
        e.reuseDetached();
        leasedEntries.addFirst(e);
        leased++;
        reused++;
    }

    /** An entry is handed to a waiter; {@code countedLeased}: its unit is already in leased. */
    void grantEntry(PoolEntry<R, C> e, boolean countedLeased) {
        assert held();
        if (!leasedEntries.contains(e)) {
            leasedEntries.addFirst(e);
        }
        e.toGranted();
        reused++;
        if (!countedLeased) {
            leased++;
        }
    }

    /** A leased or granted entry leaves the leased list to be closed (still counted in leased until freed). */
    void unlinkForClosing(PoolEntry<R, C> e) {
        assert held();
        unlinkLeased(e);
        e.toReleasing();
    }

    /** A leased or granted entry becomes a permit's victim: its units pass to the waiter (leased stays). */
    void detachAsVictim(PoolEntry<R, C> e) {
        assert held();
        unlinkLeased(e);
        e.detach();
    }

    /** An entry goes idle; {@code keepPosition}: filed by its release time instead of as the newest. */
    void toIdle(PoolEntry<R, C> e, boolean countedLeased, boolean keepPosition) {
        assert held();
        if (countedLeased) {
            unlinkLeased(e);
            leased--;
        }
        e.toIdle();
        if (keepPosition) {
            idle.insertByReleaseTime(e);
        } else {
            idle.push(e);
        }
    }

    /** Detaches the least recently released idle entry (it stays in allocated until closed), or returns null. */
    PoolEntry<R, C> detachOldestIdle() {
        assert held();
        PoolEntry<R, C> e = idle.removeOldest();
        if (e != null) {
            e.detach();
        }
        return e;
    }

    /** Detaches a given idle entry (a sweep's or maintenance's choice). */
    void detachIdle(PoolEntry<R, C> e) {
        assert held();
        idle.take(e);
        e.detach();
    }

    /** An idle entry is taken out for a probe; it still counts as available. */
    void startProbe(PoolEntry<R, C> e) {
        assert held();
        idle.take(e);
        e.startProbe();
        probing++;
    }

    /** The probe is over: the entry is DETACHED, to be placed again or closed. */
    void endProbe(PoolEntry<R, C> e) {
        assert held();
        probing--;
        e.detach();
    }

    /**
     * Maintenance takes back the abandoned lease it judged in word {@code w} (closed outside the lock, then freed as
     * leased); false if that lease ended meanwhile.
     */
    boolean reclaim(PoolEntry<R, C> e, int w) {
        assert held();
        if (!e.reclaim(w)) {
            return false;
        }
        unlinkLeased(e);
        return true;
    }

    /** Gives back the count that held a unit; the caller then passes the unit on or frees it. */
    void uncount(RouteUnit from) {
        assert held();
        if (from == RouteUnit.LEASED) {
            leased--;
        } else if (from == RouteUnit.RESERVED) {
            reserved--;
            capacityWaiters--;
        }
    }

    /** The closed entry's unit: uncounted from where it was; the entry is now CLOSED (or stays RECLAIMED). */
    void uncountClosed(PoolEntry<R, C> e) {
        assert held();
        uncount(e.countedLeased() ? RouteUnit.LEASED : RouteUnit.DETACHED);
        e.toClosed();
        forgetSpots(e);
    }

    /** A route unit leaves the route. */
    void freeRouteUnit() {
        assert held() && allocated > 0;
        allocated--;
    }

    /** A lease about to wait on maxTotal reserves a route unit; it is linked in the capacity queue next. */
    void reserveForCapacityWait() {
        assert held();
        allocated++;
        reserved++;
        capacityWaiters++;
    }

    /** A capacity waiter's reserved route unit becomes its lease's. */
    void reservedToLeased() {
        assert held();
        reserved--;
        capacityWaiters--;
        leased++;
    }

    /** Removed from the pool's map; returns its reused count for the pool's total. */
    long retire() {
        assert held() && isEmpty();
        retired = true;
        return reused;
    }
}
