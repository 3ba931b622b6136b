package io.routepool.httpclient5;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.core5.http.URIScheme;

import org.apache.hc.core5.util.TimeValue;

/** Checks of the values the managers' builders take for routepool's own options; a bad one names the option. */
final class OptionValues {

    private OptionValues() {
    }

    /**
     * {@code value} as a {@link Duration} (saturated at {@code Long.MAX_VALUE} nanoseconds, about 292 years).
     *
     * @param zero what zero means for the option, for the message
     * @throws IllegalArgumentException {@code value} is null or negative
     */
    static Duration duration(final String option, final TimeValue value, final String zero) {
        if (value == null) {
            throw new IllegalArgumentException(option + " must not be null (" + zero + ": 0)");
        }
        if (value.getDuration() < 0) {
            throw new IllegalArgumentException(option + " must not be negative (" + zero + ": 0), was " + value);
        }
        return Duration.ofNanos(value.getTimeUnit().toNanos(value.getDuration()));
    }

    /**
     * @param zero what zero means for the option, for the message
     * @throws IllegalArgumentException {@code value} is negative
     */
    static int count(final String option, final int value, final String zero) {
        if (value < 0) {
            throw new IllegalArgumentException(option + " must not be negative (" + zero + ": 0), was " + value);
        }
        return value;
    }

    /**
     * A fraction of the time to live, as pool-core's {@code PoolBuilder.timeToLiveJitter} takes it.
     *
     * @throws IllegalArgumentException {@code value} is negative, 1 or more, or NaN
     */
    static double timeToLiveJitter(final double value) {
        if (!(value >= 0 && value < 1)) { // also refuses NaN
            throw new IllegalArgumentException(
                    "timeToLiveJitter must be at least 0 and below 1 (a fraction of the time to live), was " + value);
        }
        return value;
    }

    /** @throws IllegalArgumentException {@code value} is null */
    static <V> V notNull(final String option, final V value) {
        if (value == null) {
            throw new IllegalArgumentException(option + " must not be null");
        }
        return value;
    }

    /** @throws IllegalArgumentException {@code name} is null, blank or more than one line */
    static String poolName(final String name) {
        if (name == null || name.trim().isEmpty() || name.indexOf('\n') >= 0 || name.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("poolName must be one line of text, not blank, was "
                    + (name == null ? "null" : "\"" + name + "\""));
        }
        return name;
    }

    /**
     * The routes to pre-warm, as given (a copy). Each must be a route HttpClient's route planner makes, or no request
     * would ever use its connections: one to an {@code https} target is secure ({@code new HttpRoute(host, null,
     * true)}); and none may be tunnelled (a tunnel through a proxy is made by the exec chain, with a CONNECT request,
     * so no connection of such a route can be made ahead of a request).
     *
     * @throws IllegalArgumentException {@code routes} is null, or one of them is null, tunnelled, without a target
     *                                  port, or an insecure route to an https target
     */
    static List<HttpRoute> warmRoutes(final Collection<HttpRoute> routes) {
        if (routes == null) {
            throw new IllegalArgumentException("warmRoutes must not be null (none: an empty list)");
        }
        final List<HttpRoute> copy = new ArrayList<>(routes.size());
        for (final HttpRoute route : routes) {
            if (route == null) {
                throw new IllegalArgumentException("warmRoutes must not contain null, was " + routes);
            }
            if (route.isTunnelled()) {
                throw new IllegalArgumentException("warmRoutes cannot include a tunnelled route (its tunnel is made by"
                        + " a CONNECT request, not ahead of one), was " + route);
            }
            if (route.getTargetHost().getPort() <= 0) {
                throw new IllegalArgumentException("warmRoutes: a route's target has its port, as HttpClient plans it"
                        + " (new HttpHost(\"https\", host, 443)); requests would never use this one: " + route);
            }
            if (URIScheme.HTTPS.same(route.getTargetHost().getSchemeName()) && !route.isSecure()) {
                throw new IllegalArgumentException("warmRoutes: a route to an https target is secure, as HttpClient"
                        + " plans it (new HttpRoute(host, null, true)); requests would never use this one: " + route);
            }
            copy.add(route);
        }
        return Collections.unmodifiableList(copy);
    }
}
