// Package crosscheck holds the cross-check of internal/timelock against the
// Rust reference, bittensor-drand (tle at rev 5416406 on arkworks), run
// through its Python bindings by reference.py. The test is built only with
// the `crosscheck` build tag because it needs that Python package installed;
// see README.md for how to run it and the recorded output.
package crosscheck
