package io.routepool.benchmarks;

import org.apache.hc.core5.http.HttpHost;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Per benchmark thread: the next target of the HttpClient 5 end-to-end benchmarks. Each thread cycles through
 * the routes from its own offset (its thread index), so that with 16 routes the threads spread over them.
 */
@State(Scope.Thread)
public class Http5TargetCursor {

    private int next;

    @Setup(Level.Trial)
    public void setUp(ThreadParams threads) {
        next = threads.getThreadIndex();
    }

    HttpHost next(HttpHost[] targets) {
        int i = next;
        if (i >= targets.length) {
            i %= targets.length;
        }
        next = i + 1;
        return targets[i];
    }
}
