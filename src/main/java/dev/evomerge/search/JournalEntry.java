package dev.evomerge.search;

import java.util.Map;
import java.util.Objects;

/**
 * One finished candidate: one fsync'd JSON line of a run's {@code journal.jsonl}. The journal is append-only; a run
 * resumes by replaying it, and reports and leaderboards are computed from it alone.
 *
 * @param index      0-based order of completion in the run
 * @param generation the strategy's batch number (0-based)
 * @param strategy   strategy name, e.g. {@code cmaes}
 * @param genome     the genes as asked
 * @param recipeYaml the decoded recipe (mergekit YAML), or null for pure DFS
 * @param layerPath  the decoded layer path as text (see {@code LayerPath#toString}), or null for pure PS
 * @param scores     per-task search-slice scores (higher is better); empty when rejected before inference
 * @param fitness    the scalar objective; {@code -Infinity} when rejected
 * @param status     {@code evaluated}, {@code pruned} (staged evaluation stopped it early: scores are on the subset)
 *                   or {@code rejected} (invalid recipe, L2 ceiling)
 * @param reason     why pruned or rejected, else null
 * @param mergeSeconds time to materialize the candidate
 * @param evalSeconds  time to score it
 * @param epochMillis  when it finished
 */
public record JournalEntry(int index, int generation, String strategy, Genome genome, String recipeYaml,
                           String layerPath, Map<String, Double> scores, double fitness, CandidateStatus status,
                           String reason, double mergeSeconds, double evalSeconds, long epochMillis) {
    public JournalEntry {
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(genome, "genome");
        scores = TaskScores.inOrder(scores);
        Objects.requireNonNull(status, "status");
    }
}
