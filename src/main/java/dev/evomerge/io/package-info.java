/**
 * Helpers every package shares, one of each: whole-file atomic writes ({@link dev.evomerge.io.AtomicFiles}), indented
 * JSON ({@link dev.evomerge.io.Json}), SHA-256 ({@link dev.evomerge.io.Sha256}), Markdown tables
 * ({@link dev.evomerge.io.Markdown}), directory-tree deletes ({@link dev.evomerge.io.Trees}) and strict YAML
 * ({@link dev.evomerge.io.StrictYaml}). Depends on nothing but the root package. See docs/architecture.md.
 */
package dev.evomerge.io;
