/**
 * Evaluation suites and scoring with lm-evaluation-harness semantics: {@link dev.evomerge.eval.Suite},
 * {@link dev.evomerge.eval.SuiteRunner} (scores one slice on a model), {@link dev.evomerge.eval.Scorer} with its
 * {@link dev.evomerge.eval.ResultCache}. See docs/eval-and-gates.md and docs/architecture.md (where a candidate gets
 * its fitness).
 */
package dev.evomerge.eval;
