package io.routepool.httpclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.http.HttpClientConnection;
import org.apache.http.conn.ConnectionRequest;
import org.apache.http.conn.HttpConnectionFactory;
import org.apache.http.conn.ManagedHttpClientConnection;
import org.apache.http.conn.routing.HttpRoute;
import org.apache.http.impl.conn.ManagedHttpClientConnectionFactory;
import org.apache.http.message.BasicHttpRequest;
import org.apache.http.protocol.BasicHttpContext;
import org.apache.http.util.EntityUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Regressions for the adapter review (named after its findings), against a real server on 127.0.0.1. */
@Timeout(60)
class AdapterReviewRegressionTest {

    @Test
    void finding1_aRequestWhoseConnectionCouldNotBePreparedFailsAgainInsteadOfSharingIt() throws Exception {
        AtomicBoolean setSocketTimeoutThrows = new AtomicBoolean();
        HttpConnectionFactory<HttpRoute, ManagedHttpClientConnection> factory = (route, config) -> {
            ManagedHttpClientConnection real = ManagedHttpClientConnectionFactory.INSTANCE.create(route, config);
            return (ManagedHttpClientConnection) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {ManagedHttpClientConnection.class}, (proxy, method, args) -> {
                        if (method.getName().equals("setSocketTimeout") && setSocketTimeoutThrows.get()) {
                            throw new IllegalStateException("injected setSocketTimeout failure");
                        }
                        try {
                            return method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        };
        try (TestServer server = TestServer.start()) {
            RoutePoolConnectionManager cm = new RoutePoolConnectionManager(factory);
            try {
                HttpRoute route = server.route();
                BasicHttpContext context = new BasicHttpContext();
                HttpClientConnection conn = cm.requestConnection(route, null).get(5, TimeUnit.SECONDS);
                cm.connect(conn, route, 5_000, context);
                cm.routeComplete(conn, route, context);
                conn.sendRequestHeader(new BasicHttpRequest("GET", "/hello"));
                conn.flush();
                var response = conn.receiveResponseHeader();
                conn.receiveResponseEntity(response);
                EntityUtils.consume(response.getEntity());
                cm.releaseConnection(conn, null, 10, TimeUnit.SECONDS);
                assertThat(cm.getTotalStats().getAvailable()).isEqualTo(1);

                setSocketTimeoutThrows.set(true); // reusing the open connection resets its socket timeout
                ConnectionRequest request = cm.requestConnection(route, null);
                assertThatThrownBy(() -> request.get(5, TimeUnit.SECONDS))
                        .isInstanceOf(IllegalStateException.class).hasMessageContaining("injected");
                assertThat(cm.getTotalStats().getLeased()).as("the lease went back").isZero();
                assertThatThrownBy(() -> request.get(5, TimeUnit.SECONDS))
                        .as("a second get must not hand out the entry the first get gave back")
                        .isInstanceOf(ExecutionException.class).hasRootCauseMessage("injected setSocketTimeout failure");
                assertThat(cm.getTotalStats().getLeased()).isZero();

                setSocketTimeoutThrows.set(false);
                HttpClientConnection fresh = cm.requestConnection(route, null).get(5, TimeUnit.SECONDS);
                assertThat(cm.getTotalStats().getLeased()).isEqualTo(1);
                cm.releaseConnection(fresh, null, 0, TimeUnit.MILLISECONDS);
            } finally {
                cm.shutdown();
            }
        }
    }
}
