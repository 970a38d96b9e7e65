package dev.evomerge.merge.methods;

/** How a merge parameter's resolved number is read. */
public enum ParamType {
    /** A real number, e.g. {@code weight}, {@code density}, {@code t}. */
    NUMBER,
    /**
     * A flag, e.g. {@code normalize}. Carried as a number like every resolved value (YAML {@code true} is 1.0,
     * {@code false} is 0.0) and read as Python's {@code bool(x)} reads it: any value other than 0 is true.
     */
    BOOLEAN,
    /**
     * One of a fixed list of words, e.g. {@code consensus_method: count}, carried as its index in
     * {@link Param#choices()}.
     */
    CHOICE
}
