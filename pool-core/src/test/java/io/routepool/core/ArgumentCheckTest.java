package io.routepool.core;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.routepool.core.TestConnections.Conn;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Bad arguments get an {@link IllegalArgumentException} naming the parameter, from every entry point (from
 * {@code leaseAsync}, as its future's failure), and change nothing.
 */
class ArgumentCheckTest {

    final TestConnections conns = new TestConnections();
    final KeyedPool<String, Conn> pool = KeyedPool.builder(conns).defaultMaxPerRoute(2).maxTotal(4)
            .maintenanceInterval(Duration.ZERO).build();

    @AfterEach
    void tearDown() {
        pool.close();
        assertThat(conns.doubleCloses.get()).isZero();
    }

    static void assertFailsWithIllegalArgument(CompletableFuture<?> f, String naming) {
        assertThat(f).isCompletedExceptionally();
        assertThatThrownBy(f::get).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(IllegalArgumentException.class).hasMessageContaining(naming);
    }

    @Test
    void leaseAsyncWithBadArgumentsReturnsAFailedFutureInsteadOfThrowing() {
        assertFailsWithIllegalArgument(pool.leaseAsync(null, null, 1, SECONDS), "route");
        assertFailsWithIllegalArgument(pool.leaseAsync("a", null, 1, null), "unit");
        assertFailsWithIllegalArgument(pool.leaseAsync("a", null, -1, SECONDS), "timeout");

        assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(0, 0, 0, 4));
        assertThat(pool.getRoutes()).isEmpty();
        assertThat(conns.created).isEmpty();
    }

    @Test
    void aNullUnitIsRefusedByEveryEntryPointNamingItAndChangesNothing() throws Exception {
        PoolEntry<String, Conn> idle = pool.lease("a", null, 0, SECONDS);
        pool.release(idle, true);
        PoolEntry<String, Conn> leased = pool.lease("b", null, 0, SECONDS);
        pool.setValidateAfterInactivity(7, SECONDS);
        PoolStats before = pool.getTotalStats();
        assertThat(before).isEqualTo(new PoolStats(1, 0, 1, 4));

        assertThatThrownBy(() -> pool.lease("a", null, 1, null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unit");
        assertThatThrownBy(() -> pool.release(leased, true, 1, null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unit");
        assertThatThrownBy(() -> pool.closeIdle(1, null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unit");
        assertThatThrownBy(() -> pool.setValidateAfterInactivity(1, null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unit");
        assertThatThrownBy(() -> pool.getValidateAfterInactivity(null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unit");
        KeyedPool.LeaseRequest<String, Conn> request = pool.newRequest("a", null);
        assertThatThrownBy(() -> request.get(1, null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unit");

        assertThat(pool.getTotalStats()).isEqualTo(before);
        assertThat(pool.getStats("a")).isEqualTo(new PoolStats(0, 0, 1, 2));
        assertThat(pool.getStats("b")).as("the refused release left the entry leased").isEqualTo(new PoolStats(1, 0, 0, 2));
        assertThat(pool.leasedEntries()).containsExactly(leased);
        assertThat(pool.availableEntries()).containsExactly(idle);
        assertThat(idle.connection().open).isTrue();
        assertThat(pool.getValidateAfterInactivity(MILLISECONDS)).isEqualTo(7000);
        assertThat(request.isDone()).isFalse();

        pool.release(leased, true, 1, SECONDS); // a correct release afterwards works
        assertThat(pool.getStats("b")).isEqualTo(new PoolStats(0, 0, 1, 2));
        assertThat(request.get(0, SECONDS)).isSameAs(idle);
        assertThat(conns.created).hasSize(2);
    }

    @Test
    void closeWithANullModeIsRefusedNamingItAndLeavesThePoolOpen() throws Exception {
        PoolEntry<String, Conn> e = pool.lease("a", null, 0, SECONDS);

        assertThatThrownBy(() -> pool.close((CloseMode) null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mode");
        assertThatThrownBy(() -> pool.close((Duration) null)).isInstanceOf(NullPointerException.class).hasMessage("grace");

        assertThat(pool.isClosed()).isFalse();
        assertThat(e.connection().open).isTrue();
        pool.release(e, true);
        assertThat(pool.lease("a", null, 0, SECONDS)).isSameAs(e);
        assertThat(pool.getTotalStats()).isEqualTo(new PoolStats(1, 0, 0, 4));
    }
}
