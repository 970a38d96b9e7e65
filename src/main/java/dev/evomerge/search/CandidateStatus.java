package dev.evomerge.search;

import java.util.Locale;

/** What became of a candidate; journals and CSVs spell it in lower case. */
public enum CandidateStatus {
    /** Scored on the whole search slice. */
    EVALUATED,
    /** Staged evaluation stopped it early: its scores are on the first stage's subset. */
    PRUNED,
    /** Refused before inference (an invalid recipe, the L2 ceiling): no scores. */
    REJECTED;

    /** The journal's spelling of {@code text}; anything else is refused with the three that are allowed. */
    public static CandidateStatus parse(String text) {
        for (CandidateStatus s : values()) {
            if (s.toString().equals(text)) {
                return s;
            }
        }
        throw new IllegalArgumentException("status must be evaluated, pruned or rejected, but was " + text);
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
