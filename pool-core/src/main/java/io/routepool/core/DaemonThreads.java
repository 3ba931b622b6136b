package io.routepool.core;

import java.lang.reflect.Constructor;
import java.util.concurrent.ThreadFactory;

/**
 * Daemon threads for routepool's own background work (maintenance, lease timers, the HttpClient adapters'
 * clean-up of dropped managers) that pin nothing of the application that happened to start them, such as a web
 * application a container later undeploys: the library's class loader as context loader, the top thread group, an
 * access-control context holding only the library's protection domain (not the domains, hence the class loaders,
 * of every class on the creating stack), and, on Java 9 and later, none of the creator's inheritable thread locals
 * (Java 8 has no way to refuse them). For routepool's modules; not a general-purpose utility.
 */
public final class DaemonThreads {

    private DaemonThreads() {
    }

    /** Java 9+'s constructor that inherits no thread locals, or null on Java 8. */
    private static final Constructor<Thread> NO_INHERITED_LOCALS = noInheritedLocals();

    private static Constructor<Thread> noInheritedLocals() {
        try {
            return Thread.class.getConstructor(ThreadGroup.class, Runnable.class, String.class, long.class, boolean.class);
        } catch (NoSuchMethodException | SecurityException java8) {
            return null;
        }
    }

    /** A factory of daemon threads named {@code name}. */
    public static ThreadFactory named(String name) {
        return r -> newThread(r, name);
    }

    /** One daemon thread named {@code name}, not started. */
    @SuppressWarnings("removal") // AccessController: still what decides the inherited context on Java 8 to 17
    public static Thread newThread(Runnable r, String name) {
        return java.security.AccessController.doPrivileged((java.security.PrivilegedAction<Thread>) () -> {
            ThreadGroup top = Thread.currentThread().getThreadGroup();
            while (top.getParent() != null) {
                top = top.getParent();
            }
            Thread t = create(top, r, name);
            t.setDaemon(true);
            t.setContextClassLoader(DaemonThreads.class.getClassLoader());
            return t;
        });
    }

    private static Thread create(ThreadGroup group, Runnable r, String name) {
        if (NO_INHERITED_LOCALS != null) {
            try {
                return NO_INHERITED_LOCALS.newInstance(group, r, name, 0L, false);
            } catch (ReflectiveOperationException | RuntimeException fallBack) {
                // fall through: a thread that inherits them is still a working thread
            }
        }
        return new Thread(group, r, name, 0);
    }
}
