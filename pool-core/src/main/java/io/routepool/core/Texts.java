package io.routepool.core;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;

/** Small text helpers of the reports: none may throw, whatever the user's objects do. */
final class Texts {

    private Texts() {
    }

    /** toString of user objects (routes, states) must not break a report. */
    static String safeString(Object o) {
        try {
            return String.valueOf(o);
        } catch (RuntimeException | LinkageError | StackOverflowError ex) {
            return o.getClass().getName() + "@" + Integer.toHexString(System.identityHashCode(o));
        }
    }

    static String stackText(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        return w.toString();
    }

    /** "0.4 s", "12.3 s", "742 s": tenths below a minute. No Formatter: it must not load locale data inside a lease. */
    static String seconds(long nanos) {
        long tenths = TimeUnit.NANOSECONDS.toMillis(Math.max(0, nanos)) / 100;
        return tenths < 600 ? (tenths / 10) + "." + (tenths % 10) + " s" : (tenths / 10) + " s";
    }

    static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
