// Package layering holds the test of the import rules of
// docs/architecture.md: which package may import which along the data
// path. It has no code of its own.
package layering
