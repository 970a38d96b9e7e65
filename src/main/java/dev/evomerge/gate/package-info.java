/**
 * Release gates: a gate file, the sealed {@link dev.evomerge.gate.Gate} kinds, and the
 * {@link dev.evomerge.gate.GateRunner} that decides on a candidate. See docs/eval-and-gates.md and
 * docs/architecture.md (adding a gate kind).
 */
package dev.evomerge.gate;
