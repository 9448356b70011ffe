package timelock

import (
	"testing"
)

// bench256 is a 256-uid weights payload with a 32-byte hotkey (1069 bytes).
func bench256(b *testing.B) []byte {
	b.Helper()
	p := WeightsPayload{UIDs: make([]uint16, 256), Values: make([]uint16, 256), VersionKey: 9003000}
	for i := range p.UIDs {
		p.UIDs[i] = uint16(i)
		p.Values[i] = uint16(i * 97)
	}
	msg, err := p.Encode()
	if err != nil {
		b.Fatal(err)
	}
	return msg
}

func BenchmarkEncrypt256Uids(b *testing.B) {
	msg := bench256(b)
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := Quicknet().Encrypt(19065880, msg, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecrypt256Uids(b *testing.B) {
	v := loadVectors(b)
	sig := sig1000(b, v)
	msg := bench256(b)
	ct, err := Quicknet().Encrypt(1000, msg, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := Decrypt(ct, sig); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyRound(b *testing.B) {
	v := loadVectors(b)
	sig := sig1000(b, v)
	for b.Loop() {
		if err := Quicknet().VerifyRound(1000, sig); err != nil {
			b.Fatal(err)
		}
	}
}
