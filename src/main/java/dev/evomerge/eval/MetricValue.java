package dev.evomerge.eval;

/**
 * One metric of one task on one slice: the point estimate, its standard error (NaN when undefined, e.g. one
 * example), a 95% interval and the method that produced it ("wilson", "log-normal" or "normal").
 */
public record MetricValue(double value, double stderr, double low, double high, String interval,
        boolean higherIsBetter) {
    public MetricValue {
        if (Double.isNaN(value)) {
            throw new IllegalArgumentException("value must be a number, but was NaN");
        }
        if (!(low <= value && value <= high)) {
            throw new IllegalArgumentException("interval [" + low + ", " + high + "] must contain the value " + value);
        }
    }

    /** The interval's pessimistic end: the lower bound when higher is better, the upper bound otherwise. */
    public double pessimistic() {
        return higherIsBetter ? low : high;
    }
}
