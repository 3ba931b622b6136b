package io.routepool.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link PoolLogger} for tests: records what the pool logs instead of printing it, so that a test that provokes
 * reports asserts them and the build log shows only what nobody expected.
 */
final class CapturedLog implements PoolLogger {

    /** One record: logger name, level, message, throwable (or null). */
    static final class Entry {
        final String name;
        final Level level;
        final String message;
        final Throwable thrown;

        Entry(String name, Level level, String message, Throwable thrown) {
            this.name = name;
            this.level = level;
            this.message = message;
            this.thrown = thrown;
        }

        @Override
        public String toString() {
            return name + " " + level + " " + message + (thrown == null ? "" : " [" + thrown.getClass().getSimpleName() + "]");
        }
    }

    final List<Entry> records = new CopyOnWriteArrayList<>();
    /** When set, every call throws after recording, as a broken logging backend might. */
    volatile boolean fail;

    @Override
    public boolean isEnabled(String name, Level level) {
        return true;
    }

    @Override
    public void log(String name, Level level, String message, Throwable thrown) {
        records.add(new Entry(name, level, message, thrown));
        if (fail) {
            throw new IllegalStateException("logger broken");
        }
    }

    /** The messages of the WARNING records so far. */
    List<String> warnings() {
        List<String> out = new ArrayList<>();
        for (Entry e : records) {
            if (e.level == Level.WARNING) {
                out.add(e.message);
            }
        }
        return out;
    }
}
