package dev.evomerge.model;

import java.util.Objects;
import java.util.function.Consumer;

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
 * @param device where the weights live and the forward passes run
 * @param precision the weights' and matmuls' float type ({@link Precision#defaultFor} the device unless overridden)
 * @param warnings where one-line warnings go (e.g. a float16 model falling back to float32)
 */
public record RuntimeOptions(int intraOpThreads, int maxBatchSize, int maxBatchTokens, int maxSequenceLength,
                             boolean prependBos, boolean shareContexts, ComputeDevice device, Precision precision,
                             Consumer<String> warnings) {
    public RuntimeOptions {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(warnings, "warnings");
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

    /**
     * Matmul parameters from which PyTorch's intra-op threads pay off. Measured with {@code bench model} (batch 8 x 128)
     * on 2 cores: one thread scores a 0.2M-parameter model 1.9x faster than two (per-op overhead, threads spinning on
     * each other); two threads are faster from 4.9M on (1.5x at 4.9M, 1.4x at 25.6M, 1.6x at 100M; 1.7x at 0.54B in
     * {@code bench scale}). The zoo's 0.63M-parameter models stay on one thread.
     */
    public static final long PARALLEL_FROM_PARAMETERS = 2_000_000L;

    /** Intra-op threads for scoring {@code config}: one for small models, all {@code cores} for large ones. */
    public static int intraOpThreadsFor(ModelConfig config, int cores) {
        return config.matmulParameters() >= PARALLEL_FROM_PARAMETERS ? Math.max(1, cores) : 1;
    }

    public static RuntimeOptions defaults() {
        return new RuntimeOptions(0, 32, 8192, 0, true, true, ComputeDevice.CPU, Precision.FLOAT32,
                w -> System.err.println("evomerge: warning: " + w));
    }

    public RuntimeOptions withIntraOpThreads(int threads) {
        return new RuntimeOptions(threads, maxBatchSize, maxBatchTokens, maxSequenceLength, prependBos,
                shareContexts, device, precision, warnings);
    }

    public RuntimeOptions withBatching(int batchSize, int batchTokens) {
        return new RuntimeOptions(intraOpThreads, batchSize, batchTokens, maxSequenceLength, prependBos,
                shareContexts, device, precision, warnings);
    }

    public RuntimeOptions withMaxSequenceLength(int length) {
        return new RuntimeOptions(intraOpThreads, maxBatchSize, maxBatchTokens, length, prependBos,
                shareContexts, device, precision, warnings);
    }

    public RuntimeOptions withPrependBos(boolean bos) {
        return new RuntimeOptions(intraOpThreads, maxBatchSize, maxBatchTokens, maxSequenceLength, bos,
                shareContexts, device, precision, warnings);
    }

    public RuntimeOptions withShareContexts(boolean share) {
        return new RuntimeOptions(intraOpThreads, maxBatchSize, maxBatchTokens, maxSequenceLength, prependBos,
                share, device, precision, warnings);
    }

    /** On {@code onto}, computing in its default precision ({@link Precision#defaultFor}). */
    public RuntimeOptions withDevice(ComputeDevice onto) {
        return new RuntimeOptions(intraOpThreads, maxBatchSize, maxBatchTokens, maxSequenceLength, prependBos,
                shareContexts, onto, Precision.defaultFor(onto), warnings);
    }

    public RuntimeOptions withPrecision(Precision p) {
        return new RuntimeOptions(intraOpThreads, maxBatchSize, maxBatchTokens, maxSequenceLength, prependBos,
                shareContexts, device, p, warnings);
    }

    public RuntimeOptions withWarnings(Consumer<String> sink) {
        return new RuntimeOptions(intraOpThreads, maxBatchSize, maxBatchTokens, maxSequenceLength, prependBos,
                shareContexts, device, precision, sink);
    }
}
