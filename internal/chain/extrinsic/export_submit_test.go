package extrinsic

// SetNextNonce makes s use nonce n for pub's next extrinsic, as if its local count had run ahead of the
// chain (another process using the key whose transaction was then lost). Tests use it to put an extrinsic
// in the pool that can never be included.
func SetNextNonce(s *Submitter, pub [32]byte, n uint64) {
	a := s.account(pub)
	a.lock <- struct{}{}
	a.next, a.valid = n, true
	<-a.lock
}
