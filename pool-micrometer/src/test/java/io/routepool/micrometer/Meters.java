package io.routepool.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Set;
import java.util.TreeSet;

/** Reads one pool's meters from a registry by name and tags, failing clearly when a meter is missing. */
final class Meters {

    private final MeterRegistry registry;
    private final String pool;

    Meters(MeterRegistry registry, String pool) {
        this.registry = registry;
        this.pool = pool;
    }

    double gauge(String name, String... tags) {
        Gauge g = registry.find(name).tag("pool", pool).tags(tags).gauge();
        assertThat(g).as("gauge %s %s of pool %s", name, String.join(",", tags), pool).isNotNull();
        return g.value();
    }

    double count(String name) {
        FunctionCounter c = registry.find(name).tag("pool", pool).functionCounter();
        assertThat(c).as("counter %s of pool %s", name, pool).isNotNull();
        return c.count();
    }

    Timer timer(String outcome) {
        Timer t = registry.find("routepool.leases.wait").tag("pool", pool).tag("outcome", outcome).timer();
        assertThat(t).as("timer routepool.leases.wait outcome=%s of pool %s", outcome, pool).isNotNull();
        return t;
    }

    /** The {@code route} tag values of the per-route gauges of this pool. */
    Set<String> routeTags() {
        Set<String> out = new TreeSet<>();
        for (Meter m : registry.find("routepool.route.connections").tag("pool", pool).meters()) {
            out.add(m.getId().getTag("route"));
        }
        return out;
    }

    /** Every routepool meter of this pool. */
    int meterCount() {
        int n = 0;
        for (Meter m : registry.getMeters()) {
            if (m.getId().getName().startsWith("routepool.") && pool.equals(m.getId().getTag("pool"))) {
                n++;
            }
        }
        return n;
    }

    /** Reads every meter of the registry once, as a scrape does. */
    void scrape() {
        for (Meter m : registry.getMeters()) {
            m.measure().forEach(ms -> ms.getValue());
        }
    }
}
