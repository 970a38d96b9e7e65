/**
 * The runtime: a Llama-family decoder on DJL/PyTorch ({@link dev.evomerge.model.LlamaModel}) whose weights are
 * swapped per candidate ({@link dev.evomerge.model.Weights}), data-flow layer paths and the tokenizer. See
 * docs/architecture.md.
 */
package dev.evomerge.model;
