package io.routepool.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The default route names of the HttpClient entry classes: scheme://host:port of the target, proxy left out. */
class RouteNamesTest {

    @Test
    void httpClient4RoutesAreNamedByTheirTarget() {
        assertThat(RoutePoolConnectionManagerMetrics.routeName(new org.apache.http.conn.routing.HttpRoute(
                new org.apache.http.HttpHost("Api.Example.COM", 8443, "https")))).isEqualTo("https://api.example.com:8443");
        assertThat(RoutePoolConnectionManagerMetrics.routeName(new org.apache.http.conn.routing.HttpRoute(
                new org.apache.http.HttpHost("example.com", -1, "https")))).isEqualTo("https://example.com:443");
        assertThat(RoutePoolConnectionManagerMetrics.routeName(new org.apache.http.conn.routing.HttpRoute(
                new org.apache.http.HttpHost("::1", -1, "http")))).isEqualTo("http://[::1]:80");
        org.apache.http.conn.routing.HttpRoute proxied = new org.apache.http.conn.routing.HttpRoute(
                new org.apache.http.HttpHost("example.com", 80, "http"),
                new org.apache.http.HttpHost("proxy.local", 3128, "http"));
        assertThat(RoutePoolConnectionManagerMetrics.routeName(proxied)).isEqualTo("http://example.com:80");
    }

    @Test
    void aRouteWithoutAPortGetsTheSchemesDefault() {
        // HttpClient's routes always carry one (4.5 fills it in, 5 refuses a route without); a route built otherwise may not
        assertThat(RouteNames.of("HTTPS", "a.test", -1)).isEqualTo("https://a.test:443");
        assertThat(RouteNames.of("http", "a.test", -1)).isEqualTo("http://a.test:80");
        assertThat(RouteNames.of(null, "a.test", 8080)).isEqualTo("http://a.test:8080");
        assertThat(RouteNames.of("http", "[::1]", 8080)).isEqualTo("http://[::1]:8080");
    }

    @Test
    void httpClient5RoutesAreNamedByTheirTarget() {
        assertThat(RoutePoolHttpClientConnectionManagerMetrics.routeName(new org.apache.hc.client5.http.HttpRoute(
                new org.apache.hc.core5.http.HttpHost("https", "Api.Example.COM", 8443))))
                .isEqualTo("https://api.example.com:8443");
        assertThat(RoutePoolHttpClientConnectionManagerMetrics.routeName(new org.apache.hc.client5.http.HttpRoute(
                new org.apache.hc.core5.http.HttpHost("http", "10.1.2.3", 80)))).isEqualTo("http://10.1.2.3:80");
        org.apache.hc.client5.http.HttpRoute proxied = new org.apache.hc.client5.http.HttpRoute(
                new org.apache.hc.core5.http.HttpHost("https", "example.com", 443),
                new org.apache.hc.core5.http.HttpHost("http", "proxy.local", 3128));
        assertThat(RoutePoolHttpClientConnectionManagerMetrics.routeName(proxied)).isEqualTo("https://example.com:443");
    }
}
