package io.routepool.micrometer;

import io.routepool.core.PoolLogger;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link PoolLogger} that records instead of printing, so that a test asserts what was logged. */
final class CapturedLogger implements PoolLogger {

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
            return name + " " + level + " " + message;
        }
    }

    final List<Entry> records = new CopyOnWriteArrayList<>();

    @Override
    public boolean isEnabled(String name, Level level) {
        return true;
    }

    @Override
    public void log(String name, Level level, String message, Throwable thrown) {
        records.add(new Entry(name, level, message, thrown));
    }

    List<Entry> at(Level level) {
        List<Entry> out = new ArrayList<>();
        for (Entry e : records) {
            if (e.level == level) {
                out.add(e);
            }
        }
        return out;
    }
}
