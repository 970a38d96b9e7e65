/**
 * Tooling, not the product path: trains the zoo of tiny Llama models the demo and the tests merge
 * ({@code evomerge zoo train}) with {@link dev.evomerge.model.TrainableLlama}; no product package imports it. See
 * docs/zoo.md and docs/architecture.md.
 */
package dev.evomerge.zoo;
