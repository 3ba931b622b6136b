package io.routepool.httpclient;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Linux's TCP socket tables ({@code /proc/net/tcp} and {@code /proc/net/tcp6}), narrowed to the sockets this
 * process holds (their inodes appear as {@code socket:[inode]} links in {@code /proc/self/fd}). Lines look like
 * {@code "0: 0100007F:A1B2 0100007F:1F90 08 ... uid timeout inode ..."}: addresses and ports in hex, the state
 * a hex code ({@code 01} ESTABLISHED, {@code 08} CLOSE_WAIT).
 */
final class ProcNetTcp {

    static final int ESTABLISHED = 0x01;
    static final int CLOSE_WAIT = 0x08;

    private static final Path TCP = Paths.get("/proc/net/tcp");
    private static final Path TCP6 = Paths.get("/proc/net/tcp6");
    private static final Path OWN_FDS = Paths.get("/proc/self/fd");
    private static final Pattern SOCKET_LINK = Pattern.compile("socket:\\[(\\d+)]");

    /** One row of the table. */
    record TcpSocket(int localPort, int remotePort, int state, long inode) {
        @Override
        public String toString() {
            return "local port " + localPort + " -> remote port " + remotePort + " state " + String.format("%02X", state)
                    + " inode " + inode;
        }
    }

    private ProcNetTcp() {
    }

    /** Whether the tables and this process's descriptors can be read (Linux with /proc). */
    static boolean readable() {
        try {
            Files.readAllLines(TCP, StandardCharsets.ISO_8859_1);
            ownSocketInodes();
            return true;
        } catch (IOException | RuntimeException ex) {
            return false;
        }
    }

    /** The sockets of this process whose remote port is {@code remotePort} (IPv4 and IPv6 tables). */
    static List<TcpSocket> ownTowards(int remotePort) {
        Set<Long> own = ownSocketInodes();
        List<TcpSocket> out = new ArrayList<>();
        for (TcpSocket s : all()) {
            if (s.remotePort() == remotePort && own.contains(s.inode())) {
                out.add(s);
            }
        }
        return out;
    }

    /** How many sockets of this process towards {@code remotePort} are in {@code state}. */
    static long ownTowards(int remotePort, int state) {
        return ownTowards(remotePort).stream().filter(s -> s.state() == state).count();
    }

    static List<TcpSocket> all() {
        List<TcpSocket> out = new ArrayList<>();
        for (Path table : List.of(TCP, TCP6)) {
            List<String> lines;
            try {
                lines = Files.readAllLines(table, StandardCharsets.ISO_8859_1);
            } catch (IOException ex) {
                continue; // no IPv6 table, e.g.
            }
            for (int i = 1; i < lines.size(); i++) { // line 0 is the header
                String[] f = lines.get(i).trim().split("\\s+");
                if (f.length < 10) {
                    continue;
                }
                out.add(new TcpSocket(port(f[1]), port(f[2]), Integer.parseInt(f[3], 16), Long.parseLong(f[9])));
            }
        }
        return out;
    }

    /** The port of "ADDRESS:PORT", both hex. */
    private static int port(String address) {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1), 16);
    }

    /** Inodes of the sockets this process has open. */
    static Set<Long> ownSocketInodes() {
        Set<Long> inodes = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(OWN_FDS)) {
            for (Path fd : fds) {
                try {
                    Matcher m = SOCKET_LINK.matcher(Files.readSymbolicLink(fd).toString());
                    if (m.matches()) {
                        inodes.add(Long.parseLong(m.group(1)));
                    }
                } catch (IOException ex) {
                    // closed meanwhile (e.g. the descriptor of the directory stream itself)
                }
            }
        } catch (IOException ex) {
            throw new IllegalStateException("cannot list " + OWN_FDS, ex);
        }
        return inodes;
    }
}
