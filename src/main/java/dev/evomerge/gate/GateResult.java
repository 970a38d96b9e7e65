package dev.evomerge.gate;

import java.util.Objects;

/**
 * The decision of one gate. {@code margin} is signed slack: positive or zero passes, negative fails, in the units of
 * the measured value; {@code point} is the point estimate when {@code measured} is a confidence bound. Numbers are
 * NaN for a skipped gate; {@code note} says why it was skipped, or what the reference was.
 */
public record GateResult(Gate gate, Status status, double measured, double point, double threshold, double margin,
        String note) {

    public enum Status { PASS, FAIL, SKIPPED }

    public GateResult {
        Objects.requireNonNull(gate, "gate");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(note, "note");
    }

    public boolean passed() {
        return status == Status.PASS;
    }
}
