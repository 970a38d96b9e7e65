package dev.evomerge.cluster;

import dev.evomerge.UserError;
import java.util.ArrayList;
import java.util.List;

/** {@code HOST:PORT[,HOST:PORT...]} as given on the command line; checked before anything connects. */
public final class ClusterAddresses {
    private ClusterAddresses() {
    }

    /** The addresses of {@code spec}, each checked; {@code option} names the flag in errors. */
    public static List<String> parse(String spec, String option) {
        if (spec == null || spec.isBlank()) {
            throw new UserError(option + " must look like HOST:PORT[,HOST:PORT...], but was empty");
        }
        List<String> out = new ArrayList<>();
        for (String part : spec.split(",")) {
            String a = part.strip();
            int colon = a.lastIndexOf(':');
            String host = colon < 0 ? "" : a.substring(0, colon);
            int port = -1;
            if (colon >= 0) {
                try {
                    port = Integer.parseInt(a.substring(colon + 1));
                } catch (NumberFormatException e) {
                    port = -1;
                }
            }
            if (host.isEmpty() || host.contains(" ") || port < 1 || port > 65535) {
                throw new UserError(option + " must look like HOST:PORT[,HOST:PORT...] with ports in 1..65535, but "
                        + "'" + a + "' is not an address");
            }
            out.add(host + ":" + port);
        }
        return List.copyOf(out);
    }
}
