package timelock

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecrypt feeds arbitrary ciphertexts to Decrypt with the real round-1000
// signature: it must return a plaintext or one of the package's errors, and
// never panic. The seeds are the two vectors, so mutations explore the real
// layout and reach the pairing and AES stages.
func FuzzDecrypt(f *testing.F) {
	v := loadVectors(f)
	sig := sig1000(f, v)
	kat := unhex(f, v.KAT.Ciphertext)
	f.Add(kat)
	f.Add(unhex(f, v.Rust.Ciphertext))
	f.Add(kat[:headerSize])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, ct []byte) {
		pt, err := Decrypt(ct, sig)
		if err != nil {
			if !errors.Is(err, ErrMalformedCiphertext) && !errors.Is(err, ErrWrongSignature) && !errors.Is(err, ErrBodyAuthentication) {
				t.Fatalf("unexpected error class: %v", err)
			}
			return
		}
		// Only ciphertexts sharing a vector's sealed body can open with this
		// signature; anything else opening would mean a broken check.
		if !bytes.Equal(pt, unhex(t, v.KAT.Plaintext)) && string(pt) != v.Rust.Plaintext {
			t.Fatalf("decrypted to an unknown plaintext %x", pt)
		}
	})
}

// FuzzDecodeWeightsPayload checks the payload decoder never panics and that
// whatever it accepts re-encodes to the same bytes (it is strict).
func FuzzDecodeWeightsPayload(f *testing.F) {
	v := loadVectors(f)
	f.Add(unhex(f, v.Payload.Scale))
	f.Add([]byte{0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeWeightsPayload(b)
		if err != nil {
			if !errors.Is(err, ErrMalformedPayload) {
				t.Fatalf("unexpected error class: %v", err)
			}
			return
		}
		again, err := p.Encode()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("accepted %x but re-encodes to %x (%v)", b, again, err)
		}
	})
}
