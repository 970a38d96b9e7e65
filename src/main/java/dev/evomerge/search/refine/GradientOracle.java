package dev.evomerge.search.refine;

import dev.evomerge.search.Genome;

/** The search-slice loss of a genome's merge and its gradient with respect to every gene. */
@FunctionalInterface
public interface GradientOracle {

    /**
     * @param loss     negative log-likelihood of the search slice's targets (nats per target token, task-weighted)
     * @param gradient d loss / d gene for each gene; 0 for genes the loss does not depend on differentiably
     */
    record Gradient(double loss, double[] gradient) {
        public Gradient {
            if (!Double.isFinite(loss)) {
                throw new IllegalArgumentException("loss must be finite, but was " + loss);
            }
            gradient = gradient.clone();
        }

        @Override
        public double[] gradient() {
            return gradient.clone();
        }
    }

    Gradient at(Genome genome);
}
