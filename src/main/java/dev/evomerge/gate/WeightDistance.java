package dev.evomerge.gate;

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
}
