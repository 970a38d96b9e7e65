package dev.evomerge.cluster;

import dev.evomerge.model.ComputeDevice;
import dev.evomerge.model.RuntimeOptions;
import dev.evomerge.search.CandidateEvaluator;
import dev.evomerge.search.RunContext;
import dev.evomerge.search.RunSetup;
import dev.evomerge.search.SearchSpace;
import java.nio.file.Path;
import java.util.List;

/** How a worker turns a run's context into evaluators (once per run; the worker keeps them between candidates). */
@FunctionalInterface
public interface RunOpener {

    /** A run opened on this worker: its space (to decode genomes) and one evaluator per slot. */
    interface Opened extends AutoCloseable {
        SearchSpace space();

        CandidateEvaluator.Factory evaluators();

        @Override
        void close();
    }

    /**
     * Opens {@code context} on worker {@code worker}; a missing source or suite is a {@code UserError} naming it.
     *
     * @param slots evaluators that will run at once
     */
    Opened open(RunContext context, String worker, int slots);

    /**
     * The real evaluators: sources found at the coordinator's paths or, by content hash, under {@code models};
     * {@code threads} CPU threads for merging, divided among the slots for inference; models on {@code runtime}'s
     * device, or slot i's on {@code slotDevices.get(i)} when given (one per GPU).
     */
    static RunOpener real(List<Path> models, int threads, RuntimeOptions runtime, List<ComputeDevice> slotDevices) {
        SourceLocator locator = new SourceLocator(models);
        return (context, worker, slots) -> {
            RunSetup wiring = RunSetup.remote(context, locator.locate(context, worker), threads,
                    runtime.withIntraOpThreads(Math.max(1, threads / slots)), worker);
            return new Opened() {
                @Override
                public SearchSpace space() {
                    return wiring.space();
                }

                @Override
                public CandidateEvaluator.Factory evaluators() {
                    return wiring.factory(slotDevices);
                }

                @Override
                public void close() {
                    wiring.close();
                }
            };
        };
    }
}
