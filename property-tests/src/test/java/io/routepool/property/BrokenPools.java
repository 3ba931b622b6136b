package io.routepool.property;

import io.routepool.core.CloseMode;
import io.routepool.core.KeyedPool;
import io.routepool.core.PoolEntry;
import io.routepool.core.PoolStats;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Deliberately wrong pools, to show that each check catches what it should. */
final class BrokenPools {

    private BrokenPools() {
    }

    /** Reports the configured route limits but enforces maxTotal on every route instead. */
    static final RoutePoolWorld.PoolMaker IGNORES_MAX_PER_ROUTE = (conns, clock, cfg) -> {
        KeyedPool<String, Conn> real = RoutePoolWorld.PoolMaker.REAL.make(conns, clock,
                new Action.Config(cfg.maxTotal(), cfg.maxTotal(), cfg.ttlNanos(), cfg.validateAfterNanos()));
        return new Forwarding(real) {
            final Map<String, Integer> own = new ConcurrentHashMap<>();
            volatile int defaultMax = cfg.maxPerRoute();

            @Override
            public void setMaxPerRoute(String route, int max) {
                own.put(route, max);
            }

            @Override
            public void clearMaxPerRoute(String route) {
                own.remove(route);
            }

            @Override
            public void setDefaultMaxPerRoute(int max) {
                defaultMax = max;
            }

            @Override
            public int getMaxPerRoute(String route) {
                return own.getOrDefault(route, defaultMax);
            }

            @Override
            public PoolStats getStats(String route) {
                PoolStats s = delegate.getStats(route);
                return new PoolStats(s.leased(), s.pending(), s.available(), getMaxPerRoute(route));
            }
        };
    };

    /** A lease without a state takes connections tagged "u" first: the state-matching rule broken. */
    static final RoutePoolWorld.PoolMaker HANDS_OUT_WRONG_STATE = (conns, clock, cfg) ->
            new Forwarding(RoutePoolWorld.PoolMaker.REAL.make(conns, clock, cfg)) {
                @Override
                public PoolEntry<String, Conn> lease(String route, Object state, long timeout, TimeUnit unit)
                        throws InterruptedException, TimeoutException, IOException {
                    return delegate.lease(route, state == null ? "u" : state, timeout, unit);
                }
            };

    /** Forwards every call; the broken pools override what they break. */
    /** Closes a connection released as not reusable itself, before the pool closes it too: closed twice. */
    static final java.util.function.BiFunction<KeyedPool<String, Conn>, Conns, KeyedPool<String, Conn>> CLOSES_TWICE =
            (pool, conns) -> new Forwarding(pool) {
                @Override
                public void release(PoolEntry<String, Conn> entry, boolean reusable) {
                    if (!reusable) {
                        conns.close(entry.connection(), CloseMode.GRACEFUL);
                    }
                    delegate.release(entry, reusable);
                }
            };

    /** Drops a release of a connection that is not reusable: the lease stays counted, held by nobody. */
    static final java.util.function.BiFunction<KeyedPool<String, Conn>, Conns, KeyedPool<String, Conn>> DROPS_A_RELEASE =
            (pool, conns) -> new Forwarding(pool) {
                @Override
                public void release(PoolEntry<String, Conn> entry, boolean reusable) {
                    if (reusable) {
                        delegate.release(entry, true);
                    }
                }
            };

    static class Forwarding implements KeyedPool<String, Conn> {
        final KeyedPool<String, Conn> delegate;

        Forwarding(KeyedPool<String, Conn> delegate) {
            this.delegate = delegate;
        }

        @Override
        public PoolEntry<String, Conn> lease(String route, Object state, long timeout, TimeUnit unit)
                throws InterruptedException, TimeoutException, IOException {
            return delegate.lease(route, state, timeout, unit);
        }

        @Override
        public PoolEntry<String, Conn> tryLease(String route, Object state) {
            return delegate.tryLease(route, state);
        }

        @Override
        public LeaseRequest<String, Conn> newRequest(String route, Object state) {
            Forwarding self = this;
            return new LeaseRequest<>() {
                private volatile boolean cancelled;
                private volatile PoolEntry<String, Conn> result;

                @Override
                public PoolEntry<String, Conn> get(long timeout, TimeUnit unit)
                        throws InterruptedException, TimeoutException, IOException {
                    if (cancelled) {
                        throw new java.util.concurrent.CancellationException();
                    }
                    return result = self.lease(route, state, timeout, unit);
                }

                @Override
                public boolean cancel() {
                    cancelled = true;
                    return result == null;
                }

                @Override
                public boolean isCancelled() {
                    return cancelled;
                }

                @Override
                public boolean isDone() {
                    return cancelled || result != null;
                }
            };
        }

        @Override
        public CompletableFuture<PoolEntry<String, Conn>> leaseAsync(String route, Object state, long timeout, TimeUnit unit) {
            return delegate.leaseAsync(route, state, timeout, unit);
        }

        @Override
        public void release(PoolEntry<String, Conn> entry, boolean reusable) {
            delegate.release(entry, reusable);
        }

        @Override
        public void release(PoolEntry<String, Conn> entry, boolean reusable, long keepAlive, TimeUnit unit) {
            delegate.release(entry, reusable, keepAlive, unit);
        }

        @Override
        public int getMaxTotal() {
            return delegate.getMaxTotal();
        }

        @Override
        public void setMaxTotal(int max) {
            delegate.setMaxTotal(max);
        }

        @Override
        public int getDefaultMaxPerRoute() {
            return delegate.getDefaultMaxPerRoute();
        }

        @Override
        public void setDefaultMaxPerRoute(int max) {
            delegate.setDefaultMaxPerRoute(max);
        }

        @Override
        public int getMaxPerRoute(String route) {
            return delegate.getMaxPerRoute(route);
        }

        @Override
        public void setMaxPerRoute(String route, int max) {
            delegate.setMaxPerRoute(route, max);
        }

        @Override
        public void clearMaxPerRoute(String route) {
            delegate.clearMaxPerRoute(route);
        }

        @Override
        public PoolStats getTotalStats() {
            return delegate.getTotalStats();
        }

        @Override
        public PoolStats getStats(String route) {
            return delegate.getStats(route);
        }

        @Override
        public Set<String> getRoutes() {
            return delegate.getRoutes();
        }

        @Override
        public void closeIdle(long idleTime, TimeUnit unit) {
            delegate.closeIdle(idleTime, unit);
        }

        @Override
        public void closeExpired() {
            delegate.closeExpired();
        }

        @Override
        public void maintain() {
            delegate.maintain();
        }

        @Override
        public java.util.List<io.routepool.core.LeaseInfo<String>> leases() {
            return delegate.leases();
        }

        @Override
        public io.routepool.core.PoolCounters getCounters() {
            return delegate.getCounters();
        }

        @Override
        public long getStateMismatches(String route) {
            return delegate.getStateMismatches(route);
        }

        @Override
        public List<PoolEntry<String, Conn>> availableEntries() {
            return delegate.availableEntries();
        }

        @Override
        public List<PoolEntry<String, Conn>> leasedEntries() {
            return delegate.leasedEntries();
        }

        @Override
        public void setValidateAfterInactivity(long time, TimeUnit unit) {
            delegate.setValidateAfterInactivity(time, unit);
        }

        @Override
        public long getValidateAfterInactivity(TimeUnit unit) {
            return delegate.getValidateAfterInactivity(unit);
        }

        @Override
        public void close(CloseMode mode) {
            delegate.close(mode);
        }

        @Override
        public boolean close(java.time.Duration grace) {
            return delegate.close(grace);
        }

        @Override
        public void close() {
            delegate.close();
        }

        @Override
        public boolean isClosed() {
            return delegate.isClosed();
        }

        @Override
        public String name() {
            return delegate.name();
        }
    }
}
