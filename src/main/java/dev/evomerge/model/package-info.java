/**
 * The runtime: a Llama-family decoder on DJL/PyTorch ({@link dev.evomerge.model.LlamaModel}) whose weights are
 * swapped per candidate ({@link dev.evomerge.model.Weights}), data-flow layer paths, the tokenizer, and the same
 * decoder with trainable weights for autograd ({@link dev.evomerge.model.TrainableLlama}: gradient refinement and the
 * zoo trainer). See docs/architecture.md.
 */
package dev.evomerge.model;
