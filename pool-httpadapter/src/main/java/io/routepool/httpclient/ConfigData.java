package io.routepool.httpclient;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.http.HttpHost;
import org.apache.http.config.ConnectionConfig;
import org.apache.http.config.SocketConfig;
import org.apache.http.conn.routing.HttpRoute;

/**
 * Default and per-host socket and connection configs, as HttpClient's {@code ConfigData}, and the lookup
 * HttpClient makes with them: the host's config, else the default, else HttpCore's {@code DEFAULT}.
 * Thread-safe: the maps are concurrent, the defaults volatile.
 */
final class ConfigData {

    private final Map<HttpHost, SocketConfig> socketConfigMap = new ConcurrentHashMap<>();
    private final Map<HttpHost, ConnectionConfig> connectionConfigMap = new ConcurrentHashMap<>();
    private volatile SocketConfig defaultSocketConfig;
    private volatile ConnectionConfig defaultConnectionConfig;

    SocketConfig getDefaultSocketConfig() {
        return this.defaultSocketConfig;
    }

    void setDefaultSocketConfig(final SocketConfig defaultSocketConfig) {
        this.defaultSocketConfig = defaultSocketConfig;
    }

    ConnectionConfig getDefaultConnectionConfig() {
        return this.defaultConnectionConfig;
    }

    void setDefaultConnectionConfig(final ConnectionConfig defaultConnectionConfig) {
        this.defaultConnectionConfig = defaultConnectionConfig;
    }

    SocketConfig getSocketConfig(final HttpHost host) {
        return this.socketConfigMap.get(host);
    }

    void setSocketConfig(final HttpHost host, final SocketConfig socketConfig) {
        this.socketConfigMap.put(host, socketConfig);
    }

    ConnectionConfig getConnectionConfig(final HttpHost host) {
        return this.connectionConfigMap.get(host);
    }

    void setConnectionConfig(final HttpHost host, final ConnectionConfig connectionConfig) {
        this.connectionConfigMap.put(host, connectionConfig);
    }

    /** The socket config HttpClient uses to connect to {@code host}: the host's, else the default, else {@code DEFAULT}. */
    SocketConfig resolveSocketConfig(final HttpHost host) {
        SocketConfig socketConfig = getSocketConfig(host);
        if (socketConfig == null) {
            socketConfig = getDefaultSocketConfig();
        }
        if (socketConfig == null) {
            socketConfig = SocketConfig.DEFAULT;
        }
        return socketConfig;
    }

    /** The connection config of a new connection for {@code route}: the proxy's, else the target's, else the default. */
    ConnectionConfig resolveConnectionConfig(final HttpRoute route) {
        ConnectionConfig config = null;
        if (route.getProxyHost() != null) {
            config = getConnectionConfig(route.getProxyHost());
        }
        if (config == null) {
            config = getConnectionConfig(route.getTargetHost());
        }
        if (config == null) {
            config = getDefaultConnectionConfig();
        }
        if (config == null) {
            config = ConnectionConfig.DEFAULT;
        }
        return config;
    }

    /** The host a connection for {@code route} connects to: the proxy, if any, else the target. */
    static HttpHost firstHop(final HttpRoute route) {
        return route.getProxyHost() != null ? route.getProxyHost() : route.getTargetHost();
    }
}
