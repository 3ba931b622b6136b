package io.routepool.micrometer;

import java.lang.ref.WeakReference;
import java.util.function.Function;

/**
 * A pool held weakly, and how to read it: the meters of a pool that the application dropped without closing read
 * NaN, and the binder removes them at its next refresh, instead of keeping the pool (and its sockets) alive.
 *
 * @param <R> route
 */
final class PoolSource<R> {

    /** Never written after construction; the referent is cleared by the garbage collector only. */
    private final WeakReference<Object> pool;
    /** Makes a reading of the pool; must not capture the pool (a method reference to a constructor). */
    private final Function<Object, PoolReading<R>> reading;
    /** The pool's own name, read once when the binder is built. */
    final String name;

    @SuppressWarnings("unchecked")
    private <P> PoolSource(P pool, Function<? super P, ? extends PoolReading<R>> reading, String name) {
        this.pool = new WeakReference<>(pool);
        this.reading = p -> reading.apply((P) p);
        this.name = name;
    }

    static <P, R> PoolSource<R> of(P pool, Function<? super P, ? extends PoolReading<R>> reading, String name) {
        return new PoolSource<>(java.util.Objects.requireNonNull(pool, "pool"), reading, name);
    }

    /** A reading of the pool, or null once the pool has been garbage-collected. */
    PoolReading<R> open() {
        Object p = pool.get();
        return p == null ? null : reading.apply(p);
    }
}
