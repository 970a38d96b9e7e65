/**
 * A search run: {@link dev.evomerge.search.SearchRun} (files to a finished run directory, configured by
 * {@link dev.evomerge.search.RunOptions}), the {@link dev.evomerge.search.SearchLoop}, the journal, candidate
 * evaluation ({@code RuntimeEvaluator}: where a candidate gets its fitness) and the finish on the
 * held-out slice ({@link dev.evomerge.search.Finisher}). The path of one candidate: docs/architecture.md.
 */
package dev.evomerge.search;
