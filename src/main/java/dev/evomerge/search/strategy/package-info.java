/**
 * The search strategies in ask/tell form (CMA-ES, GA, NSGA-II, grid, random), created by name in
 * {@link dev.evomerge.search.strategy.Strategies}. Adding a strategy: docs/architecture.md.
 */
package dev.evomerge.search.strategy;
