package dev.evomerge.search;

import java.util.Arrays;

/**
 * A point of a search space: every gene in [0, 1]. One representation for every strategy (CMA-ES, GA, grid, random);
 * the {@link SearchSpace} maps it to a concrete recipe. Equality is bitwise, which is what resume relies on: a
 * replayed strategy asks for exactly the genomes it asked for before.
 */
public record Genome(double[] genes) {
    public Genome {
        genes = genes.clone();
        for (int i = 0; i < genes.length; i++) {
            if (!(genes[i] >= 0.0 && genes[i] <= 1.0)) {
                throw new IllegalArgumentException("gene " + i + " must be in [0, 1], but was " + genes[i]);
            }
        }
    }

    @Override
    public double[] genes() {
        return genes.clone();
    }

    public int size() {
        return genes.length;
    }

    public double gene(int i) {
        return genes[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Genome g && Arrays.equals(genes, g.genes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(genes);
    }

    @Override
    public String toString() {
        return Arrays.toString(genes);
    }
}
