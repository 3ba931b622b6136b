package io.routepool.httpclient;

import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import io.routepool.core.DaemonThreads;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Runs an action once: when asked ({@link Registration#clean()}), or after its owner has become unreachable.
 * The Java 8 stand-in for {@code java.lang.ref.Cleaner} (Java 9), so that a {@link RoutePoolConnectionManager}
 * dropped without {@code shutdown()} still closes its connections.
 *
 * <p>Why not {@code finalize()}, as HttpClient 4.5's own manager does: finalization is deprecated for removal
 * (JEP 421) and can be turned off ({@code --finalization=disabled}); a finalizer also resurrects its object and
 * runs in any subclass that overrides it. A phantom reference is never resurrected and works on every Java from 8.
 * (The manager, a subclass of HttpClient's, inherits a {@code finalize()} all the same; it overrides it to run the
 * same registration's {@link Registration#clean()} through {@code shutdown()}, so whichever comes first runs it.)
 *
 * <p>How: each registration is a {@link PhantomReference} to the owner, kept reachable by {@link #PENDING} until
 * it runs (a reference that is itself unreachable is never enqueued). The action must not hold the owner, or the
 * owner never becomes unreachable. One daemon thread, {@value #THREAD_NAME}, takes enqueued registrations off
 * {@link #QUEUE} and runs them; it is started by the first registration and ends after {@link #IDLE_MILLIS} with
 * nothing pending, so an application (or a web application's class loader) with no manager keeps no thread.
 */
final class UnreachableCleanup {

    static final String THREAD_NAME = "routepool-manager-cleanup";
    static final long IDLE_MILLIS = 60_000;

    private static final Log LOG = LogFactory.getLog(RoutePoolConnectionManager.class);
    private static final ReferenceQueue<Object> QUEUE = new ReferenceQueue<>();
    /** Registrations not yet run; a registration removes itself when it runs. */
    private static final Set<Registration> PENDING = ConcurrentHashMap.newKeySet();
    private static final Object LOCK = new Object();
    /**
     * Guarded by {@link #LOCK}: the thread draining {@link #QUEUE}, or {@code null}. It clears this field (under the
     * lock) only after seeing {@link #PENDING} empty under the lock, and {@link #register} adds to {@code PENDING}
     * before it looks at this field, so a registration is never left without a thread.
     */
    private static Thread thread;

    private UnreachableCleanup() {
    }

    /** Runs {@code action} once, on {@link Registration#clean()} or after {@code owner} became unreachable. */
    static Registration register(final Object owner, final Runnable action) {
        final Registration registration = new Registration(owner, action);
        PENDING.add(registration);
        synchronized (LOCK) {
            if (thread == null) {
                // pins nothing of the registering thread: its context class loader, thread locals (Java 9+) or
                // access-control context could hold a web application's class loader
                final Thread t = DaemonThreads.newThread(UnreachableCleanup::drain, THREAD_NAME);
                t.start();
                thread = t;
            }
        }
        return registration;
    }

    private static void drain() {
        try {
            while (true) {
                final Reference<?> ref;
                try {
                    ref = QUEUE.remove(IDLE_MILLIS);
                } catch (final InterruptedException ex) {
                    continue; // as the JDK's Cleaner thread: only an empty registry ends it
                }
                if (ref != null) {
                    runQuietly((Registration) ref);
                } else {
                    synchronized (LOCK) {
                        if (PENDING.isEmpty()) {
                            thread = null;
                            return;
                        }
                    }
                }
            }
        } finally {
            synchronized (LOCK) {
                if (thread == Thread.currentThread()) {
                    thread = null; // ended by a VirtualMachineError: a successor takes what is pending
                    if (!PENDING.isEmpty()) {
                        final Thread t = DaemonThreads.newThread(UnreachableCleanup::drain, THREAD_NAME);
                        t.start();
                        thread = t;
                    }
                }
            }
        }
    }

    /** As the JDK's Cleaner: whatever an action throws, the thread goes on (a VirtualMachineError excepted). */
    private static void runQuietly(final Registration registration) {
        try {
            registration.clean();
        } catch (final Throwable ex) {
            if (ex instanceof VirtualMachineError) {
                throw (VirtualMachineError) ex;
            }
            try {
                LOG.warn("Shutting down an unreachable RoutePoolConnectionManager failed", ex);
            } catch (final Throwable logFailed) {
                if (logFailed instanceof VirtualMachineError) {
                    throw (VirtualMachineError) logFailed;
                }
            }
        }
    }

    /** One owner and its action. */
    static final class Registration extends PhantomReference<Object> {

        /** Never holds the owner. */
        private final Runnable action;
        private final AtomicBoolean ran = new AtomicBoolean();

        Registration(final Object owner, final Runnable action) {
            super(owner, QUEUE);
            this.action = action;
        }

        /** Runs the action, the first time only; later calls do nothing. */
        void clean() {
            if (this.ran.compareAndSet(false, true)) {
                PENDING.remove(this);
                clear();
                this.action.run();
            }
        }
    }
}
