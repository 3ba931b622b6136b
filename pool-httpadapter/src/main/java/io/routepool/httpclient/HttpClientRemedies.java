package io.routepool.httpclient;

/** The remedies the pool's reports give, in HttpClient's terms (pool-core's defaults speak of leases). */
final class HttpClientRemedies {

    static final String SELF_DEADLOCK = "Each response not yet consumed or closed holds its connection:"
            + " consume the entity (EntityUtils.consume(response.getEntity()), or read its stream to the end) or close"
            + " the response (CloseableHttpResponse.close(), try-with-resources) before sending another request.";
    static final String LEAK = "A response whose entity is never consumed or closed never gives its"
            + " connection back: consume the entity (EntityUtils.consume) or close the response in a finally block or"
            + " try-with-resources, also on error statuses and exceptions.";
    static final String CAPTURE_LEASE_STACKS = "To see where each connection was leased, set captureLeaseStacks(true)"
            + " on RoutePoolConnectionManager.builder().";
    static final String LEASE_TIMEOUT = "Set RequestConfig.setConnectionRequestTimeout so that requests fail instead"
            + " of hanging.";
    static final String MAX_LEASE_WAIT = "HttpClient 4.5 takes a connection request timeout of 0 or unset as forever;"
            + " routepool caps it with maxLeaseWait on RoutePoolConnectionManager.builder() (0 waits forever). Set"
            + " RequestConfig.setConnectionRequestTimeout to choose the wait.";
    static final String STATE_MISMATCH = "HttpClient stores the user token (with client TLS certificates or"
            + " NTLM: the principal) as the connection's state, and a request whose context has no user token only"
            + " reuses connections without one. Set the same user token on every request context up front"
            + " (HttpClientContext.setUserToken(token), or a shared context), or, if connections need no per-user"
            + " isolation, disable connection state (HttpClientBuilder.disableConnectionState()).";
    static final String STUCK_WAITER = "If the holders are leaked or self-deadlocked, fix them as those"
            + " reports say; otherwise the route is too small for the load: raise setMaxPerRoute/setMaxTotal.";

    private HttpClientRemedies() {
    }
}
