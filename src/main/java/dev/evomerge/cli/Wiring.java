package dev.evomerge.cli;

import dev.evomerge.UserError;
import dev.evomerge.checkpoint.Checkpoint;
import dev.evomerge.eval.ModelProvider;
import dev.evomerge.gate.WeightDistance;
import dev.evomerge.model.ModelConfig;
import dev.evomerge.model.RuntimeOptions;
import dev.evomerge.search.SearchRun;
import java.io.IOException;
import java.nio.file.Path;

/** Where the commands get models from: the DJL runtime and the checkpoint reader. */
final class Wiring {
    private Wiring() {
    }

    /**
     * Models on {@code runtime}'s device and precision (see {@link DeviceOptions}), with intra-op threads by model
     * size: small models on one thread (on a busy or small machine PyTorch's threads spin waiting for each other: a
     * zoo model scored in 3 s with one thread and 130 s with two on 2 shared cores), large ones on every core, where
     * each matmul has enough work to share.
     */
    static ModelProvider models(RuntimeOptions runtime) {
        int cores = Runtime.getRuntime().availableProcessors();
        return ModelProvider.llama(dir -> runtime.withIntraOpThreads(RuntimeOptions.intraOpThreadsFor(config(dir),
                cores)));
    }

    private static ModelConfig config(Path dir) {
        try (Checkpoint c = Checkpoint.open(dir)) {
            if (!c.hasConfig()) {
                throw new UserError(dir + ": config.json is missing");
            }
            return ModelConfig.fromJson(c.config());
        }
    }

    static WeightDistance distance() {
        return WeightDistance.l2();
    }

    /** What a search run scores and gates with: Llama models on the run's runtime, and {@link #distance()}. */
    static SearchRun.Collaborators search() {
        return SearchRun.Collaborators.llama();
    }
}
