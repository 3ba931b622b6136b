package io.routepool.httpclient5;

/** What the httpcore5 on the test class path can do (the reference differs between release lines). */
final class ContractVersions {

    /** httpcore5 5.4 made StrictConnPool honour FIFO within a route; 5.4 also added RouteSegmentedConnPool. */
    static final boolean REFERENCE_FIFO_WITHIN_A_ROUTE = present("org.apache.hc.core5.pool.RouteSegmentedConnPool");

    private ContractVersions() {
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, ContractVersions.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
