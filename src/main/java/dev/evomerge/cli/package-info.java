/**
 * The picocli commands, one class each and thin: parse and check flags (a bad value is a usage error, exit 2), build
 * the collaborators ({@code Wiring}), call one entry point of another package, print. Nothing imports this package;
 * flag names appear only here. See docs/architecture.md.
 */
package dev.evomerge.cli;
