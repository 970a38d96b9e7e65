package dev.evomerge.zoo;

import dev.evomerge.model.ModelConfig;

/**
 * Everything that decides a zoo besides its seed: the architecture, the problem sizes, and the two training phases.
 *
 * @param pretrainSteps Adam steps of the base on the broad mixture
 * @param finetuneSteps Adam steps of each specialist on its skill alone
 * @param finetuneLr peak learning rate of the specialists; small, so that task vectors stay small relative to the
 *     base (the regime in which merging real fine-tunes works)
 * @param loraRank rank of the specialists' low-rank updates (Hu et al. 2021), folded into the weights when saved;
 *     0 fine-tunes every weight
 * @param evalPerSlice examples per skill in each of the search and heldout slices
 * @param threads PyTorch intra-op threads; fixed, because the result of a reduction depends on how it is split
 */
public record ZooSpec(int hidden, int intermediate, int layers, int heads, int kvHeads, int maxPositions,
                      Skill.TaskShape shape, int batchSize, int pretrainSteps, double pretrainLr, int finetuneSteps,
                      double finetuneLr, int loraRank, int evalPerSlice, int threads) {
    public ZooSpec {
        positive("hidden", hidden);
        positive("intermediate", intermediate);
        positive("layers", layers);
        positive("heads", heads);
        positive("kvHeads", kvHeads);
        positive("batchSize", batchSize);
        positive("pretrainSteps", pretrainSteps);
        positive("finetuneSteps", finetuneSteps);
        positive("evalPerSlice", evalPerSlice);
        if (loraRank < 0) {
            throw new IllegalArgumentException("loraRank must be 0 (full fine-tuning) or positive, but was " + loraRank);
        }
        positive("threads", threads);
        if (hidden % heads != 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("hidden (" + hidden + ") must be a multiple of heads (" + heads
                    + ") and heads of kvHeads (" + kvHeads + ")");
        }
        if (!(pretrainLr > 0) || !(finetuneLr > 0)) {
            throw new IllegalArgumentException("learning rates must be positive, but were " + pretrainLr + " and "
                    + finetuneLr);
        }
        int longest = 2 + Math.max(latentLength(shape), 6 + 2 * shape.maxLetters());
        if (maxPositions < longest) {
            throw new IllegalArgumentException("maxPositions must be at least " + longest + ", but was " + maxPositions);
        }
    }

    private static int latentLength(Skill.TaskShape s) {
        return Math.max(4 * s.maxDigits() + 12, 2 * s.maxLetters() + 16);
    }

    private static void positive(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be positive, but was " + v);
        }
    }

    /** The shipped zoo: 0.63 M parameters, 6 layers, 8,000 pretraining steps, LoRA rank 4 specialists. */
    public static ZooSpec full() {
        return new ZooSpec(96, 256, 6, 4, 2, 64, new Skill.TaskShape(2, 4, 7), 32, 8000, 1e-3, 400, 3e-3, 4, 150, 1);
    }

    /** A few steps of a small variant: checks in seconds that the trainer still runs end to end (CI). */
    public static ZooSpec tiny() {
        return new ZooSpec(32, 64, 2, 4, 2, 64, new Skill.TaskShape(3, 4, 7), 8, 6, 2e-3, 3, 3e-4, 2, 12, 1);
    }

    public ZooSpec withFinetuning(int rank, double lr) {
        return new ZooSpec(hidden, intermediate, layers, heads, kvHeads, maxPositions, shape, batchSize, pretrainSteps,
                pretrainLr, finetuneSteps, lr, rank, evalPerSlice, threads);
    }

    public ZooSpec withSteps(int pretrain, int finetune) {
        return new ZooSpec(hidden, intermediate, layers, heads, kvHeads, maxPositions, shape, batchSize, pretrain,
                pretrainLr, finetune, finetuneLr, loraRank, evalPerSlice, threads);
    }

    /** The Hugging Face config of the zoo's models. */
    public ModelConfig modelConfig() {
        return new ModelConfig(ModelConfig.Architecture.LLAMA, CharTokenizer.VOCAB_SIZE, hidden, intermediate, layers,
                heads, kvHeads, hidden / heads, 1e-5, 10000.0, null, maxPositions, false, false, 0,
                CharTokenizer.BOS, CharTokenizer.EOS);
    }
}
