/**
 * evomerge: mergekit-compatible merging, evolutionary recipe search, scoring and release gates. The packages, the
 * path of one candidate through them, where state lives and the extension points are in docs/architecture.md.
 * This package holds what every package shares: {@link dev.evomerge.UserError} (a mistake the user can fix, one line,
 * exit 3) and {@link dev.evomerge.Resources} (heap checks).
 */
package dev.evomerge;
