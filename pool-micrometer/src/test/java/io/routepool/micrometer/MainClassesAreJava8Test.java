package io.routepool.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The module's main classes are Java 8 bytecode (major 52), as the pools they measure (the build says --release 8). */
class MainClassesAreJava8Test {

    @Test
    void everyMainClassIsJava8() throws IOException, URISyntaxException {
        Path classes = Paths.get(RoutePoolMetrics.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<Path> files;
        try (Stream<Path> walk = Files.walk(classes)) {
            files = walk.filter(p -> p.toString().endsWith(".class")).collect(Collectors.toList());
        }
        assertThat(files).hasSizeGreaterThan(10);
        for (Path f : files) {
            try (InputStream in = Files.newInputStream(f); DataInputStream data = new DataInputStream(in)) {
                assertThat(data.readInt()).isEqualTo(0xCAFEBABE);
                data.readUnsignedShort(); // minor
                assertThat(data.readUnsignedShort()).as("major version of %s", classes.relativize(f)).isEqualTo(52);
            }
        }
    }
}
