/**
 * Helpers every package shares, one of each: whole-file atomic writes ({@link dev.evomerge.io.AtomicFiles}), indented
 * JSON ({@link dev.evomerge.io.Json}) and SHA-256 ({@link dev.evomerge.io.Sha256}). Depends on nothing but the root
 * package. See docs/architecture.md.
 */
package dev.evomerge.io;
