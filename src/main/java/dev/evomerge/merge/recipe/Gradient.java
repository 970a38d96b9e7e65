package dev.evomerge.merge.recipe;

import java.util.List;
import java.util.Optional;

/**
 * A list of numbers interpolated piecewise linearly over the layers of an output slice (mergekit's gradient). With n
 * anchors and position t in [0, 1]: s = t (n - 1), i0 = floor(s), i1 = min(n - 1, i0 + 1), f = s - i0, and the value is
 * (1 - f) a[i0] + f a[i1], evaluated in this order so results match mergekit's doubles bit for bit.
 */
public record Gradient(List<Double> anchors) implements ParameterValue {
    public Gradient {
        anchors = List.copyOf(anchors);
        if (anchors.isEmpty()) {
            throw new IllegalArgumentException("a gradient needs at least one value");
        }
        for (Double a : anchors) {
            if (!Double.isFinite(a)) {
                throw new IllegalArgumentException("gradient values must be finite numbers, but one was " + a);
            }
        }
    }

    public static Gradient of(double... anchors) {
        return new Gradient(java.util.Arrays.stream(anchors).boxed().toList());
    }

    /** The interpolated value at {@code t}, which must be in [0, 1]. */
    public double at(double t) {
        if (!(t >= 0.0 && t <= 1.0)) {
            throw new IllegalArgumentException("t must be in [0, 1], but was " + t);
        }
        int n = anchors.size();
        double scaled = t * (n - 1);
        int i0 = (int) scaled;
        int i1 = Math.min(n - 1, i0 + 1);
        double frac = scaled - i0;
        return (1 - frac) * anchors.get(i0) + frac * anchors.get(i1);
    }

    @Override
    public Optional<Scalar> evaluate(String tensorName, double t) {
        return Optional.of(new Scalar.Num(at(t)));
    }
}
