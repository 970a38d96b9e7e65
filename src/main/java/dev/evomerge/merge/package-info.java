/**
 * Merging: a recipe planned against its opened sources ({@link dev.evomerge.merge.MergePlanner} to
 * {@link dev.evomerge.merge.MergePlan}) and executed tensor by tensor ({@link dev.evomerge.merge.MergeEngine}), to disk
 * or into native memory for the search. See docs/merging.md and docs/architecture.md.
 */
package dev.evomerge.merge;
