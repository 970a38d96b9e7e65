/**
 * Safetensors checkpoints: validated reading (one {@code Arena} mapping per file), atomic writing, content hashes
 * and the L2 distance between two checkpoints. The first stage of the pipeline; see docs/architecture.md.
 */
package dev.evomerge.checkpoint;
