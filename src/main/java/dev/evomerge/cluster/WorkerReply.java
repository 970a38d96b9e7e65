package dev.evomerge.cluster;

import dev.evomerge.search.CandidateEvaluator;
import dev.evomerge.search.CandidateStatus;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/**
 * What a worker sends back for one candidate: its outcome, or the one-sentence user error that kept the worker from
 * evaluating it (a missing source, say). Errors travel as text, not as exceptions, so they reach the coordinator
 * whole whatever the engine does with remote exceptions.
 *
 * @param worker    the worker that ran the task (host:port, and its slot)
 * @param userError a user error, else null
 * @param internal  an unexpected failure (exception class and message), else null
 */
record WorkerReply(String worker, CandidateStatus status, HashMap<String, Double> scores, double fitness, String reason,
                  double mergeSeconds, double evalSeconds, String userError, String internal) implements Serializable {

    static WorkerReply of(String worker, CandidateEvaluator.Evaluation o) {
        return new WorkerReply(worker, o.status(), new HashMap<>(o.scores()), o.fitness(), o.reason(),
                o.mergeSeconds(), o.evalSeconds(), null, null);
    }

    static WorkerReply userError(String worker, String message) {
        return new WorkerReply(worker, null, new HashMap<>(), Double.NaN, null, 0, 0, message, null);
    }

    static WorkerReply internal(String worker, Throwable t) {
        return new WorkerReply(worker, null, new HashMap<>(), Double.NaN, null, 0, 0, null, t.toString());
    }

    CandidateEvaluator.Evaluation outcome() {
        return new CandidateEvaluator.Evaluation(status, Map.copyOf(scores), fitness, reason, mergeSeconds, evalSeconds);
    }
}
