package io.routepool.httpclient5;

/** The remedies the pool's reports give, in HttpClient 5's terms (pool-core's defaults speak of leases). */
final class HttpClient5Remedies {

    static final String SELF_DEADLOCK = "Each response not yet consumed or closed holds its connection:"
            + " consume the entity (EntityUtils.consume(response.getEntity())) or close the response"
            + " (try-with-resources on ClassicHttpResponse, or use a HttpClientResponseHandler with"
            + " client.execute(request, handler), which always releases it) before sending another request.";
    static final String LEAK = "A response whose entity is never consumed or closed never gives its"
            + " connection back: close the response in try-with-resources, or use client.execute(request, handler),"
            + " also on error statuses and exceptions. Async: complete or cancel every exchange.";
    static final String STATE_MISMATCH = "HttpClient 5 stores the user token (with client TLS certificates:"
            + " the TLS principal; with NTLM: the user) as the connection's state, and a request whose context has no"
            + " user token only reuses connections without one. Set the same user token on every request context up"
            + " front (HttpClientContext.setUserToken(token)), or, if connections need no per-user isolation, disable"
            + " connection state (HttpClientBuilder.disableConnectionState()).";
    static final String STUCK_WAITER = "If the holders are leaked or self-deadlocked, fix them as those"
            + " reports say; otherwise the route is too small for the load: raise setMaxConnPerRoute/setMaxConnTotal on"
            + " the manager's builder.";
    static final String CAPTURE_LEASE_STACKS = "To see where each connection was leased, call"
            + " setCaptureLeaseStacks(true) on the manager's builder.";
    static final String LEASE_TIMEOUT = "Keep RequestConfig.setConnectionRequestTimeout bounded so that requests fail"
            + " instead of hanging.";
    static final String MAX_LEASE_WAIT = "A disabled connection request timeout is capped by setMaxLeaseWait on the"
            + " manager's builder (0 waits forever); RequestConfig.setConnectionRequestTimeout chooses the wait.";

    private HttpClient5Remedies() {
    }
}
