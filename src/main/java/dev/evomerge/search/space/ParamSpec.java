package dev.evomerge.search.space;

import java.util.List;
import java.util.Objects;

/**
 * One searched merge parameter: a continuous range [min, max] (gene g maps to {@code min + g (max - min)}) or a list of
 * discrete values (gene g picks value {@code floor(g n)}, bins of equal width). A per-model parameter ({@code weight},
 * {@code density}, ...) with {@code perModel} true gets genes for each source model; with {@code perModel} false one
 * value is shared by all models and written at slice or top level, where mergekit's precedence applies it to every
 * model. Method-wide parameters ({@code lambda}, {@code t}) are never per model.
 *
 * @param name        the recipe parameter name
 * @param min         lower bound (continuous)
 * @param max         upper bound (continuous)
 * @param values      the discrete values, or empty for a continuous range
 * @param perModel    one set of genes per source model
 * @param granularity genes along the depth
 * @param filters     the filter classes with their own genes: empty (one value for every tensor), or a list ending in
 *                    {@link TensorFilter#REST}
 */
public record ParamSpec(String name, double min, double max, List<Double> values, boolean perModel,
                        Granularity granularity, List<TensorFilter> filters) {
    public ParamSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(granularity, "granularity");
        values = List.copyOf(values);
        filters = List.copyOf(filters);
        if (values.isEmpty()) {
            if (!(Double.isFinite(min) && Double.isFinite(max) && min <= max)) {
                throw new IllegalArgumentException(name + ": range must be two finite numbers [min, max] with min <= max,"
                        + " but was [" + min + ", " + max + "]");
            }
        } else {
            for (double v : values) {
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException(name + ": values must be finite numbers, but one was " + v);
                }
            }
        }
        if (!filters.isEmpty() && (filters.getLast() != TensorFilter.REST
                || filters.stream().distinct().count() != filters.size())) {
            throw new IllegalArgumentException(name + ": filters must be distinct and end with rest, but were " + filters);
        }
    }

    public boolean discrete() {
        return !values.isEmpty();
    }

    /** Filter classes, at least one ({@code [REST]} when the parameter is not split by tensor class). */
    public List<TensorFilter> filterClasses() {
        return filters.isEmpty() ? List.of(TensorFilter.REST) : filters;
    }

    /** The parameter value a gene stands for. */
    public double value(double gene) {
        if (discrete()) {
            return values.get(Bins.index(gene, values.size()));
        }
        return min + gene * (max - min);
    }

    /**
     * The gene for {@code value}: the bin centre of a discrete value, or the inverse of {@link #value} nudged by a few
     * ulps so that {@code value(gene(v)) == v} exactly where such a gene exists (decode(encode(r)) == r).
     *
     * @throws IllegalArgumentException when the value is outside the bounds or not among the values
     */
    public double gene(double value) {
        if (discrete()) {
            int i = values.indexOf(value);
            if (i < 0) {
                throw new IllegalArgumentException(name + " = " + value + " is not one of the space's values " + values);
            }
            return Bins.centre(i, values.size());
        }
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException(name + " = " + value + " is outside the space's bounds [" + min + ", "
                    + max + "]");
        }
        if (max == min) {
            return 0.5;
        }
        double g = Math.clamp((value - min) / (max - min), 0.0, 1.0);
        double up = g;
        double down = g;
        for (int k = 0; k < 16; k++) {
            if (value(up) == value) {
                return up;
            }
            if (value(down) == value) {
                return down;
            }
            up = Math.min(1.0, Math.nextUp(up));
            down = Math.max(0.0, Math.nextDown(down));
        }
        return g;
    }
}
