package dev.evomerge.model;

/**
 * How the runtime batches and threads its work.
 *
 * @param intraOpThreads threads PyTorch uses inside one op (matmul etc.); 0 keeps the engine's default. PyTorch holds
 *     this setting per process, so the last model created wins
 * @param maxBatchSize most sequences in one forward pass
 * @param maxBatchTokens most padded tokens (sequences x longest length) in one forward pass; bounds activation memory
 * @param maxSequenceLength longest input fed to the model; longer inputs lose tokens on the left (lm-eval-harness);
 *     0 means the config's max_position_embeddings
 * @param prependBos whether every sequence starts with the config's bos_token_id (Llama-family models were trained
 *     so; it also lets the first text token be scored)
 * @param shareContexts whether log-likelihood requests whose scored tokens follow the same token prefix (the choices
 *     of one multiple-choice question) compute that prefix once and continue every request from its K/V cache;
 *     false scores each request on its own (the reference the shared path is tested and benchmarked against)
 */
public record RuntimeOptions(int intraOpThreads, int maxBatchSize, int maxBatchTokens, int maxSequenceLength,
                             boolean prependBos, boolean shareContexts) {
    public RuntimeOptions {
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("intraOpThreads must be at least 0, but was " + intraOpThreads);
        }
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("maxBatchSize must be at least 1, but was " + maxBatchSize);
        }
        if (maxBatchTokens < 1) {
            throw new IllegalArgumentException("maxBatchTokens must be at least 1, but was " + maxBatchTokens);
        }
        if (maxSequenceLength < 0) {
            throw new IllegalArgumentException("maxSequenceLength must be at least 0, but was " + maxSequenceLength);
        }
    }

    public static RuntimeOptions defaults() {
        return new RuntimeOptions(0, 32, 8192, 0, true, true);
    }

    public RuntimeOptions withIntraOpThreads(int threads) {
        return new RuntimeOptions(threads, maxBatchSize, maxBatchTokens, maxSequenceLength, prependBos, shareContexts);
    }

    public RuntimeOptions withBatching(int batchSize, int batchTokens) {
        return new RuntimeOptions(intraOpThreads, batchSize, batchTokens, maxSequenceLength, prependBos, shareContexts);
    }

    public RuntimeOptions withMaxSequenceLength(int length) {
        return new RuntimeOptions(intraOpThreads, maxBatchSize, maxBatchTokens, length, prependBos, shareContexts);
    }

    public RuntimeOptions withPrependBos(boolean bos) {
        return new RuntimeOptions(intraOpThreads, maxBatchSize, maxBatchTokens, maxSequenceLength, bos, shareContexts);
    }

    public RuntimeOptions withShareContexts(boolean share) {
        return new RuntimeOptions(intraOpThreads, maxBatchSize, maxBatchTokens, maxSequenceLength, prependBos, share);
    }
}
