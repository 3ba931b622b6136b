/**
 * routepool's keyed connection pool: per-route pools with HttpCore 4.4's semantics (available, leased and
 * pending; maxTotal and maxPerRoute; state-matched leasing; validity deadline and expiry; cross-route LRU
 * eviction), a lock per route, first-come-first-served hand-off, and diagnostics.
 *
 * <h2>Public surface</h2>
 * {@link io.routepool.core.KeyedPool} (built by {@link io.routepool.core.PoolBuilder}),
 * {@link io.routepool.core.PoolEntry}, the values {@link io.routepool.core.PoolStats},
 * {@link io.routepool.core.PoolCounters}, {@link io.routepool.core.LeaseInfo} and
 * {@link io.routepool.core.Diagnostic}, and the plug-ins {@link io.routepool.core.ConnectionFactory},
 * {@link io.routepool.core.ConnectionValidator}, {@link io.routepool.core.TimeSource},
 * {@link io.routepool.core.PoolListener} and {@link io.routepool.core.PoolLogger}. Everything else is
 * package-private.
 *
 * <h2>Reading order</h2>
 * <ol>
 *   <li>{@code RoutePool}: the façade; the lease and release fast paths (lock-free on a hit).</li>
 *   <li>{@code PoolEntry}: the entry's state word, its table of states and the transitions.</li>
 *   <li>{@code RouteSegment}, {@code IdleIndex}: one route's lock, lists and counters, its spots and the
 *       lock-free hit path ("The lock-free hit path" on RouteSegment), and the index from state to idle entries.</li>
 *   <li>{@code HandOff}: where a released entry or a freed unit goes; the lost wake-up protocol.</li>
 *   <li>{@code LeaseAttempt} ({@code RouteStep}, {@code Eviction}, {@code Connections}), then
 *       {@code Lessee}, {@code Waiter}, {@code WaiterQueue}, {@code CapacityQueue}: the slow path and
 *       waiting; {@code BlockingLease} and {@code AsyncLease}: how a lease waits.</li>
 *   <li>{@code MaintenancePass}, {@code Maintenance}, {@code Sweeper}, {@code LimitChanges},
 *       {@code Closer}: what runs beside leases.</li>
 *   <li>{@code LeaseLedger}, {@code Diagnosis}, {@code Diagnostics}, {@code Reports},
 *       {@code TimeoutReport}: who holds what, and what the pool says about it.</li>
 *   <li>{@code PoolParts}, {@code Settings}, {@code PoolState}, {@code Clocks}, {@code Segments},
 *       {@code UserCode}, {@code Log}, {@code FlightRecorder}: wiring and leaves.</li>
 * </ol>
 * Calls run one way: the façade calls the parts, a lease attempt calls the parts (never the façade), the
 * parts call the leaves; a waiter is woken through {@code Waiter.wake}, the one call back, made outside every
 * lock.
 *
 * <h2>Cross-cutting invariants</h2>
 * <ul>
 *   <li><b>Units.</b> Every open connection, and every reservation to create one, holds one route unit
 *       (its segment's {@code allocated}) and one pool unit ({@code PoolState.units}). Units are taken
 *       before a connection is created and given back only after it is closed, so open connections never
 *       exceed maxPerRoute or maxTotal at any instant (limits lowered below the leased count excepted:
 *       leased connections are never touched).</li>
 *   <li><b>Hand-off.</b> A freed entry, route unit, pool unit or retry goes to exactly one waiter or back
 *       to the pool; a grant is one CAS on a waiter node under the lock of the queue holding it.</li>
 *   <li><b>One holder.</b> Every transition of an entry's state word happens under its segment's lock, but
 *       the lock-free hit path's CASes (PARKED to LEASED, LEASED to PARKED, a parker taking its entry back), which
 *       those under the lock that race them meet with CASes of their own; a release requires a settled LEASED word,
 *       so an entry is never held by two lessees and a second release is refused.</li>
 *   <li><b>Locks.</b> One {@code ReentrantLock} per route, taken exactly ({@code RouteSegment.lockExact}: parked
 *       entries captured first) by everything but the hit path. Two segment locks are held together only by a
 *       lease's cross-route eviction, lower {@code RouteSegment.order} first. The capacity queue's lock may
 *       be taken while holding a segment lock, never the other way round. Every method that needs a lock
 *       asserts it ({@code assert lock.isHeldByCurrentThread()}; the tests run with {@code -ea}).</li>
 *   <li><b>No I/O under a lock.</b> Create, close, isOpen, validation, probes, logging and listeners run
 *       outside every lock; the user calls made under a lock are {@code state.hashCode} and {@code state.equals}
 *       while matching states (states must be cheap, non-blocking map keys); on the hit path {@code state.equals}
 *       runs under no lock.</li>
 *   <li><b>Nothing pool-wide or route-wide is written on a lease or release served from the idle list</b>: the
 *       pool-unit counter moves on create and close, the capacity queue only when someone waits on maxTotal, a
 *       route's counters and lists only under its lock; a hit writes only its entry (and its spot, when that
 *       changes).</li>
 *   <li><b>Deliberately racy</b>: stats summed route by route; the racy hints that let scans skip routes
 *       without leases; the choice of eviction victim among entries released in the same clock tick.</li>
 * </ul>
 */
package io.routepool.core;
