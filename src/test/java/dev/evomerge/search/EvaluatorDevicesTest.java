package dev.evomerge.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.evomerge.UserError;
import dev.evomerge.eval.Suite;
import dev.evomerge.model.ComputeDevice;
import dev.evomerge.model.LayerPath;
import dev.evomerge.model.Precision;
import dev.evomerge.model.RuntimeOptions;
import dev.evomerge.search.space.SearchSpaces;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A cluster worker's --gpus: evaluator i's model goes to GPU i (this machine has none, so loading names it). */
class EvaluatorDevicesTest {
    @TempDir
    Path dir;

    @Test
    void eachWorkerLoadsOnItsOwnGpuInTheRunsPrecision() throws IOException {
        Path space = TinySearchFiles.write(dir);
        RuntimeOptions runtime = RuntimeOptions.defaults().withIntraOpThreads(1).withDevice(ComputeDevice.gpu(0))
                .withPrecision(Precision.FLOAT32);
        try (RunSetup wiring = RunSetup.local(SearchSpaces.load(space), Suite.load(TinySearchFiles.SUITE),
                space, null, 1, 0, 1, runtime)) {
            RuntimeEvaluator.Shared on5 = wiring.shared().on(ComputeDevice.gpu(5));
            assertEquals(ComputeDevice.gpu(5), on5.options().device());
            assertEquals(Precision.FLOAT32, on5.options().precision(), "an explicit precision survives the move");
            Candidate base = new Candidate(null, LayerPath.identity(2),
                    List.of(dir.resolve("models/base").toString()));
            CandidateEvaluator.Factory pinned = wiring.factory(List.of(ComputeDevice.gpu(2), ComputeDevice.gpu(5)));
            String[] want = {"cuda:2", "cuda:5", "cuda:2"};
            for (int worker = 0; worker < want.length; worker++) {
                try (CandidateEvaluator ev = pinned.create(worker, 2)) {
                    UserError e = assertThrows(UserError.class, () -> ev.evaluate(base, Double.NEGATIVE_INFINITY));
                    assertTrue(e.getMessage().startsWith(want[worker] + ": "), e.getMessage());
                }
            }
            try (CandidateEvaluator ev = wiring.factory(List.of()).create(1, 2)) {
                UserError e = assertThrows(UserError.class, () -> ev.evaluate(base, Double.NEGATIVE_INFINITY));
                assertTrue(e.getMessage().startsWith("cuda:0: "), "no --gpus: the run's device");
            }
        }
    }
}
