package dev.evomerge.merge.recipe;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A list of {@code {filter, value}} entries (mergekit's conditional parameters). The first entry whose filter is absent,
 * is {@code "*"}, or is a substring of the tensor name supplies the value; if none matches, the parameter is unset at
 * this level and resolution continues at the next level.
 */
public record Filtered(List<Entry> entries) implements ParameterValue {
    public Filtered {
        entries = List.copyOf(entries);
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("a filter list needs at least one entry");
        }
    }

    public static Filtered of(Entry... entries) {
        return new Filtered(List.of(entries));
    }

    @Override
    public Optional<Scalar> evaluate(String tensorName, double t) {
        for (Entry e : entries) {
            if (e.matches(tensorName)) {
                return e.value().evaluate(tensorName, t);
            }
        }
        return Optional.empty();
    }

    /**
     * One entry: {@code filter} is null for the catch-all entry; {@code value} is a scalar or a gradient (mergekit does
     * not nest filter lists).
     */
    public record Entry(String filter, ParameterValue value) {
        public Entry {
            Objects.requireNonNull(value, "value");
            if (value instanceof Filtered) {
                throw new IllegalArgumentException("a filter entry's value must be a number or a gradient, not a filter list");
            }
        }

        public static Entry when(String filter, ParameterValue value) {
            return new Entry(Objects.requireNonNull(filter, "filter"), value);
        }

        public static Entry otherwise(ParameterValue value) {
            return new Entry(null, value);
        }

        /** mergekit: no filter or {@code "*"} matches everything; otherwise a non-empty name containing the filter. */
        public boolean matches(String tensorName) {
            return filter == null || filter.equals("*")
                    || (tensorName != null && !tensorName.isEmpty() && tensorName.contains(filter));
        }
    }
}
