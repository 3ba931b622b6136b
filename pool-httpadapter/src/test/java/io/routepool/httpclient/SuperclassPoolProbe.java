package io.routepool.httpclient;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.http.conn.routing.HttpRoute;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.apache.http.pool.AbstractConnPool;
import org.apache.http.pool.PoolStats;

/**
 * Looks inside the {@link PoolingHttpClientConnectionManager} that a {@link RoutePoolConnectionManager} also is: its
 * private fields, read by reflection, and the calls our class file makes to it. For tests that must not be able to
 * pass because a method of the superclass served them from its own pool.
 */
final class SuperclassPoolProbe {

    private static final String SUPERCLASS = "org/apache/http/impl/conn/PoolingHttpClientConnectionManager";

    private SuperclassPoolProbe() {
    }

    static Object superclassField(PoolingHttpClientConnectionManager cm, String name) {
        return field(PoolingHttpClientConnectionManager.class, cm, name);
    }

    /** The private field {@code name} that {@code declaring} declares, read on {@code target}. */
    static Object field(Class<?> declaring, Object target, String name) {
        try {
            Field f = declaring.getDeclaredField(name);
            f.setAccessible(true);
            return f.get(target);
        } catch (ReflectiveOperationException ex) {
            throw new AssertionError(declaring.getName() + " has no field " + name, ex);
        }
    }

    /** The superclass's own pool (HttpClient's {@code CPool}). */
    @SuppressWarnings("unchecked") // a CPool, an AbstractConnPool<HttpRoute, ManagedHttpClientConnection, CPoolEntry>
    static AbstractConnPool<HttpRoute, ?, ?> superclassPool(PoolingHttpClientConnectionManager cm) {
        return (AbstractConnPool<HttpRoute, ?, ?>) superclassField(cm, "pool");
    }

    /**
     * The superclass's pool never saw a request: no route pool (a lease creates one, and only the superclass's own
     * sweeps remove it), nothing leased, pending or available, and HttpClient's default limits untouched.
     */
    static void assertSuperclassPoolUntouched(PoolingHttpClientConnectionManager cm) {
        AbstractConnPool<HttpRoute, ?, ?> pool = superclassPool(cm);
        PoolStats total = pool.getTotalStats();
        assertThat(pool.getRoutes()).as("routes of the superclass's pool").isEmpty();
        assertThat(total.getLeased()).as("leased in the superclass's pool").isZero();
        assertThat(total.getPending()).as("pending in the superclass's pool").isZero();
        assertThat(total.getAvailable()).as("available in the superclass's pool").isZero();
        assertThat(total.getMax()).as("the superclass pool's maxTotal, never set").isEqualTo(20);
        assertThat(pool.getDefaultMaxPerRoute()).as("the superclass pool's maxPerRoute, never set").isEqualTo(2);
        assertThat(superclassField(cm, "connectionOperator")).isSameAs(SuperclassPool.OPERATOR);
    }

    /**
     * The methods and fields of {@link PoolingHttpClientConnectionManager} that {@code type}'s class file refers to
     * (its constant pool's Methodref and Fieldref entries naming the superclass), as {@code name}: a {@code super.x()}
     * call compiles to one, a call on {@code this} does not.
     */
    static List<String> superclassMembersReferencedBy(Class<?> type) throws IOException {
        String resource = type.getName().replace('.', '/') + ".class";
        try (InputStream raw = type.getClassLoader().getResourceAsStream(resource);
             DataInputStream in = new DataInputStream(raw)) {
            assertThat(in.readInt()).isEqualTo(0xCAFEBABE);
            in.readUnsignedShort(); // minor
            in.readUnsignedShort(); // major
            int count = in.readUnsignedShort();
            Map<Integer, String> utf8 = new HashMap<>();
            Map<Integer, Integer> classNames = new HashMap<>();
            Map<Integer, Integer> nameAndTypeNames = new HashMap<>();
            List<int[]> memberRefs = new ArrayList<>();
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1:
                        utf8.put(i, in.readUTF());
                        break;
                    case 7:
                        classNames.put(i, in.readUnsignedShort());
                        break;
                    case 9:
                    case 10:
                    case 11:
                        memberRefs.add(new int[] {in.readUnsignedShort(), in.readUnsignedShort()});
                        break;
                    case 12:
                        nameAndTypeNames.put(i, in.readUnsignedShort());
                        in.readUnsignedShort();
                        break;
                    case 3:
                    case 4:
                    case 17:
                    case 18:
                        in.readInt();
                        break;
                    case 5:
                    case 6:
                        in.readLong();
                        i++; // takes two entries
                        break;
                    case 8:
                    case 16:
                    case 19:
                    case 20:
                        in.readUnsignedShort();
                        break;
                    case 15:
                        in.readUnsignedByte();
                        in.readUnsignedShort();
                        break;
                    default:
                        throw new AssertionError("unknown constant pool tag " + tag + " in " + resource);
                }
            }
            List<String> out = new ArrayList<>();
            for (int[] ref : memberRefs) {
                if (SUPERCLASS.equals(utf8.get(classNames.get(ref[0])))) {
                    out.add(utf8.get(nameAndTypeNames.get(ref[1])));
                }
            }
            return out;
        }
    }
}
