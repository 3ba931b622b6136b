package io.routepool.micrometer;

import java.util.Locale;

/** The default route names of the HttpClient entry classes: {@code scheme://host:port}, from plain strings. */
final class RouteNames {

    private RouteNames() {
    }

    /**
     * {@code scheme://host:port}, lower case; the port defaults by scheme (443 for https, else 80) when the route has
     * none (HttpClient's route planners resolve it, a route built by hand may not); an IPv6 literal is bracketed.
     */
    static String of(String scheme, String host, int port) {
        String s = scheme == null ? "http" : scheme.toLowerCase(Locale.ROOT);
        String h = host.toLowerCase(Locale.ROOT);
        if (h.indexOf(':') >= 0 && !h.startsWith("[")) {
            h = "[" + h + "]";
        }
        int p = port >= 0 ? port : ("https".equals(s) ? 443 : 80);
        return s + "://" + h + ":" + p;
    }
}
