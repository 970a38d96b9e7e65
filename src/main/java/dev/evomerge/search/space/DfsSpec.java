package dev.evomerge.search.space;

import java.util.List;
import java.util.Objects;

/**
 * Data-flow-space genes (Akiba et al. 2024, sec. 3.2): the layers of the M path sources are laid out interleaved by
 * depth (layer 0 of every source, then layer 1, ...) and this sequence of M x N positions is repeated {@code repeats}
 * times; the first {@code length} positions are the candidate path. Each position has an include gene (included when
 * the gene is at least 0.5) and, when {@code scaleMin < scaleMax}, a scale gene for its residual contribution.
 * Including every position of source 0 of one round and nothing else is the plain source 0 model.
 *
 * @param numLayers N, the layers of every path source
 * @param sources  the path sources: a source name, {@code base}, or {@code merged} (the PS-merged model, PS+DFS)
 * @param refs     their model references (absolute paths, or {@link dev.evomerge.search.Candidate#MERGED})
 * @param repeats  rounds r of the layout
 * @param length   number of positions T, at most M x N x r
 * @param scaleMin smallest residual scale
 * @param scaleMax largest residual scale (equal to scaleMin: a fixed scale, no scale genes)
 */
public record DfsSpec(int numLayers, List<String> sources, List<String> refs, int repeats, int length, double scaleMin,
                      double scaleMax) {
    public DfsSpec {
        sources = List.copyOf(sources);
        refs = List.copyOf(refs);
        Objects.checkIndex(0, sources.size());
        if (refs.size() != sources.size()) {
            throw new IllegalArgumentException("one reference per DFS source");
        }
        if (numLayers < 1) {
            throw new IllegalArgumentException("the path sources need at least one layer, but had " + numLayers);
        }
        if (repeats < 1) {
            throw new IllegalArgumentException("repeats must be at least 1, but was " + repeats);
        }
        if (length < 1 || length > sources.size() * numLayers * repeats) {
            throw new IllegalArgumentException("length must be in [1, " + sources.size() * numLayers * repeats
                    + "] (sources x layers x repeats), but was " + length);
        }
        if (!(Double.isFinite(scaleMin) && Double.isFinite(scaleMax) && scaleMin <= scaleMax)) {
            throw new IllegalArgumentException("scale must be [min, max] with min <= max, but was [" + scaleMin + ", "
                    + scaleMax + "]");
        }
    }

    public boolean hasScaleGenes() {
        return scaleMin < scaleMax;
    }

    public int genesPerPosition() {
        return hasScaleGenes() ? 2 : 1;
    }

    /** The source index of position {@code p}. */
    public int sourceAt(int p) {
        return (p % (sources.size() * numLayers)) % sources.size();
    }

    /** The layer of position {@code p}. */
    public int layerAt(int p) {
        return (p % (sources.size() * numLayers)) / sources.size();
    }
}
