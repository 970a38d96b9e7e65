/**
 * The merge methods (linear, slerp, task arithmetic and its sparsified family, model stock, ...) and their
 * registry {@link dev.evomerge.merge.methods.MergeMethods}. Adding a method: docs/architecture.md.
 */
package dev.evomerge.merge.methods;
