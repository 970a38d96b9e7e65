/**
 * Search-space files and the genome decoding: parameters with bounds and granularity, data-flow genes, and the
 * {@link dev.evomerge.search.space.Objective} a search maximizes. See docs/architecture.md.
 */
package dev.evomerge.search.space;
