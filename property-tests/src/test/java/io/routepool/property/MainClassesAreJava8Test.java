package io.routepool.property;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Enumeration;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The main classes of every library module (pool-core, pool-httpadapter, pool-httpclient5) are Java 8 bytecode
 * (class file major version 52), as HttpClient 4.5 and 5 are: the build compiles them with {@code --release 8}
 * (pool-core's JFR events with {@code -source 8 -target 8}), and this test fails if a class slips through newer,
 * for example from a stale incremental build or a changed compiler configuration.
 */
class MainClassesAreJava8Test {

    private static final int JAVA_8 = 52;

    @Test
    void everyHttpClient45AdapterClassIsJava8Bytecode() throws Exception {
        assertJava8(io.routepool.httpclient.RoutePoolConnectionManager.class);
    }

    @Test
    void everyHttpClient5ModuleClassIsJava8Bytecode() throws Exception {
        assertJava8(io.routepool.httpclient5.RoutePoolConnPool.class);
    }

    @Test
    void everyPoolCoreClassIsJava8Bytecode() throws Exception {
        assertJava8(io.routepool.core.PoolBuilder.class);
    }

    private static void assertJava8(Class<?> anchor) throws Exception {
        Map<String, Integer> versions = majorVersions(mainClassesLocation(anchor));
        String self = anchor.getName().replace('.', '/') + ".class";

        assertThat(versions).as("class files found beside " + self).isNotEmpty();
        assertThat(versions).as("the module's own classes").containsKey(self);
        Map<String, Integer> tooNew = new TreeMap<>();
        versions.forEach((file, major) -> {
            if (major > JAVA_8) {
                tooNew.put(file, major);
            }
        });
        assertThat(tooNew).as("main class files newer than Java 8 (major version > 52)").isEmpty();
    }

    /** Where the main classes were loaded from: target/classes in the build, or a jar. */
    private static Path mainClassesLocation(Class<?> anchor) throws URISyntaxException {
        return Paths.get(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /** Every .class file under {@code location} (a directory or a jar) with its major version. */
    private static Map<String, Integer> majorVersions(Path location) throws IOException {
        Map<String, Integer> versions = new TreeMap<>();
        if (Files.isDirectory(location)) {
            try (Stream<Path> files = Files.walk(location)) {
                for (Path file : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class"))::iterator) {
                    try (InputStream in = Files.newInputStream(file)) {
                        versions.put(location.relativize(file).toString().replace('\\', '/'), majorVersion(in, file.toString()));
                    }
                }
            }
        } else {
            try (JarFile jar = new JarFile(location.toFile())) {
                for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
                    JarEntry entry = entries.nextElement();
                    // a multi-release jar's META-INF/versions/N/ classes may be newer by design; ours have none
                    if (entry.getName().endsWith(".class")) {
                        try (InputStream in = jar.getInputStream(entry)) {
                            versions.put(entry.getName(), majorVersion(in, entry.getName()));
                        }
                    }
                }
            }
        }
        return versions;
    }

    /** Bytes 0-3 are the magic 0xCAFEBABE, 4-5 the minor version, 6-7 the major version. */
    private static int majorVersion(InputStream in, String name) throws IOException {
        DataInputStream data = new DataInputStream(in);
        int magic = data.readInt();
        assertThat(magic).as(name + " starts with 0xCAFEBABE").isEqualTo(0xCAFEBABE);
        data.readUnsignedShort();
        return data.readUnsignedShort();
    }
}
