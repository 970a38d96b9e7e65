package dev.evomerge.search;

import java.util.List;

/** Decodes genomes into candidates. Implementations are immutable; decoding is pure and cheap (no I/O). */
public interface SearchSpace {
    /** Number of genes. */
    int dimension();

    /** One readable name per gene (e.g. {@code weight[math].layers0-3.attn}), for leaderboards and plots. */
    List<String> geneNames();

    Candidate decode(Genome genome);
}
