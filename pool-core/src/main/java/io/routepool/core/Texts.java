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

    /**
     * "50 ms" below a tenth, "0.4 s", "12.3 s", "742 s": tenths below a minute. No Formatter: it must not load locale
     * data inside a lease.
     */
    static String seconds(long nanos) {
        long millis = TimeUnit.NANOSECONDS.toMillis(Math.max(0, nanos));
        if (millis > 0 && millis < 100) {
            return millis + " ms";
        }
        long tenths = millis / 100;
        return tenths < 600 ? (tenths / 10) + "." + (tenths % 10) + " s" : (tenths / 10) + " s";
    }

    static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    /** Frames of a lease site shown in a report; the rest are counted. */
    static final int MAX_FRAMES = 16;

    /** A user object's text cut to {@code max} characters (for a report's head; the details carry it whole). */
    static String brief(Object o, int max) {
        String s = safeString(o);
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

    /**
     * Appends {@code text} as a detail line: on a new line, indented by {@code indent} spaces (and so is each line
     * of it). Not wrapped: a fact stays on one line, whole, for grep.
     */
    static StringBuilder detail(StringBuilder b, int indent, String text) {
        for (String line : text.split("\n")) {
            b.append('\n');
            for (int i = 0; i < indent; i++) {
                b.append(' ');
            }
            b.append(line);
        }
        return b;
    }

    /**
     * Appends a captured stack as text lines, not as an exception (log alerting counts those): the first frame
     * after {@code label} ("leased at"), the next ones aligned under it, at most {@link #MAX_FRAMES}.
     */
    static StringBuilder frames(StringBuilder b, int indent, String label, Throwable site) {
        if (site == null) {
            return b;
        }
        StackTraceElement[] frames;
        try {
            if (site instanceof LeaseSite) {
                ((LeaseSite) site).trimPoolFrames();
            }
            frames = site.getStackTrace();
        } catch (RuntimeException ex) {
            return b;
        }
        StringBuilder pad = new StringBuilder();
        for (int i = 0; i < indent + label.length() + 1; i++) {
            pad.append(' ');
        }
        int shown = Math.min(frames.length, MAX_FRAMES);
        for (int i = 0; i < shown; i++) {
            b.append('\n');
            if (i == 0) {
                for (int j = 0; j < indent; j++) {
                    b.append(' ');
                }
                b.append(label).append(' ');
            } else {
                b.append(pad);
            }
            b.append(frames[i]);
        }
        if (frames.length > shown) {
            b.append('\n').append(pad).append("... ").append(frames.length - shown).append(" more frames");
        }
        return b;
    }
}
