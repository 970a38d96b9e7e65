package dev.evomerge.gate;

import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.checkpoint.L2Distance;
import java.nio.file.Path;

/**
 * The basin-departure measurement, from tensors alone: sqrt(Σ over float tensors of ‖merged − base‖²) and ‖base‖
 * over the same tensors. The tensor math lives with the checkpoint reader; the gate only decides on the numbers.
 */
@FunctionalInterface
public interface WeightDistance {

    record Measurement(double distance, double baseNorm) {
        public Measurement {
            if (!(distance >= 0) || !(baseNorm >= 0)) {
                throw new IllegalArgumentException("distance and baseNorm must be >= 0, but were " + distance + " and "
                        + baseNorm);
            }
        }
    }

    Measurement measure(Path candidate, Path base);

    /** The L2 distance between two checkpoint directories' float tensors ({@link L2Distance}). */
    static WeightDistance l2() {
        return (candidate, base) -> {
            try (Checkpoint c = Checkpoint.open(candidate); Checkpoint b = Checkpoint.open(base)) {
                L2Distance.Value r = L2Distance.l2(c, b);
                return new Measurement(r.distance(), r.baseNorm());
            }
        };
    }
}
