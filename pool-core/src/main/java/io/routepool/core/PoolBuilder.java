package io.routepool.core;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;

/**
 * Configures a {@link KeyedPool}. Defaults are HttpCore's {@code BasicConnPool}: maxTotal 20,
 * maxPerRoute 2, no time to live, no validation.
 */
public final class PoolBuilder<R, C> {

    final ConnectionFactory<R, C> factory;
    int maxTotal = 20;
    int defaultMaxPerRoute = 2;
    long timeToLiveNanos = 0;
    long validateAfterInactivityNanos = 0;
    ConnectionValidator<? super C> validator = ConnectionValidator.alwaysValid();
    TimeSource timeSource = TimeSource.system();
    Executor asyncExecutor = ForkJoinPool.commonPool();

    PoolBuilder(ConnectionFactory<R, C> factory) {
        this.factory = Objects.requireNonNull(factory, "factory");
    }

    public PoolBuilder<R, C> maxTotal(int max) {
        this.maxTotal = LockLightPool.positive(max, "maxTotal");
        return this;
    }

    public PoolBuilder<R, C> defaultMaxPerRoute(int max) {
        this.defaultMaxPerRoute = LockLightPool.positive(max, "defaultMaxPerRoute");
        return this;
    }

    /** Connections older than this are closed instead of reused; zero or negative means no limit. */
    public PoolBuilder<R, C> timeToLive(Duration ttl) {
        this.timeToLiveNanos = LockLightPool.saturatedNanos(Objects.requireNonNull(ttl, "timeToLive"));
        return this;
    }

    /** Idle connections idle longer than this are validated before reuse; zero or negative disables. */
    public PoolBuilder<R, C> validateAfterInactivity(Duration inactivity) {
        this.validateAfterInactivityNanos =
                LockLightPool.saturatedNanos(Objects.requireNonNull(inactivity, "validateAfterInactivity"));
        return this;
    }

    public PoolBuilder<R, C> validator(ConnectionValidator<? super C> validator) {
        this.validator = Objects.requireNonNull(validator, "validator");
        return this;
    }

    public PoolBuilder<R, C> timeSource(TimeSource timeSource) {
        this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
        return this;
    }

    /** Runs the I/O of {@link KeyedPool#leaseAsync} leases (create, close, validate). Default: the common pool. */
    public PoolBuilder<R, C> asyncExecutor(Executor executor) {
        this.asyncExecutor = Objects.requireNonNull(executor, "asyncExecutor");
        return this;
    }

    public KeyedPool<R, C> build() {
        return new LockLightPool<>(this);
    }
}
