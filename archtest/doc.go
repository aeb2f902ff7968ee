// Package archtest holds the tests that keep the architecture honest: every
// package has a doc comment, the domain cores do no I/O and start no
// goroutines, and the import directions of docs/architecture.md hold.
// It has no non-test code besides this comment; nothing imports it.
package archtest
