package keys

import (
	"testing"

	"github.com/mr-tron/base58"
)

// benchAccounts returns n distinct accounts, as a neuron listing holds.
func benchAccounts(n int) []AccountID {
	ids := make([]AccountID, n)
	for i := range ids {
		for j := range ids[i] {
			ids[i][j] = byte(i*31 + j*7)
		}
	}
	return ids
}

// BenchmarkSS58Encode1000 renders 1000 hotkeys, one neuron listing's worth.
func BenchmarkSS58Encode1000(b *testing.B) {
	ids := benchAccounts(1000)
	b.ReportAllocs()
	for b.Loop() {
		for i := range ids {
			_ = ids[i].String()
		}
	}
}

func BenchmarkSS58String(b *testing.B) {
	id := benchAccounts(1)[0]
	b.ReportAllocs()
	for b.Loop() {
		_ = id.String()
	}
}

func BenchmarkSS58AppendText(b *testing.B) {
	id := benchAccounts(1)[0]
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = id.AppendText(buf[:0])
	}
}

// BenchmarkSS58StringMrTron is the baseline with github.com/mr-tron/base58
// (same checksum code), to show what the in-tree base58 buys.
func BenchmarkSS58StringMrTron(b *testing.B) {
	id := benchAccounts(1)[0]
	b.ReportAllocs()
	for b.Loop() {
		raw := make([]byte, 0, 35)
		raw = append(raw, SS58Prefix)
		raw = append(raw, id[:]...)
		chk := ss58Checksum(raw)
		_ = base58.Encode(append(raw, chk[:]...))
	}
}

func BenchmarkSS58Parse(b *testing.B) {
	addr := benchAccounts(1)[0].String()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseAccountID(addr); err != nil {
			b.Fatal(err)
		}
	}
}

func benchKeypair(b *testing.B) *Keypair {
	kp, err := KeypairFromURI("//Alice")
	if err != nil {
		b.Fatal(err)
	}
	return kp
}

// BenchmarkSign signs a 150-byte payload, the size of a set_weights signing
// payload for a few dozen uids.
func BenchmarkSign(b *testing.B) {
	kp := benchKeypair(b)
	msg := make([]byte, 150)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := kp.Sign(msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	kp := benchKeypair(b)
	msg := make([]byte, 150)
	sig, err := kp.Sign(msg)
	if err != nil {
		b.Fatal(err)
	}
	pub := kp.PublicKey()
	b.ReportAllocs()
	for b.Loop() {
		if !Verify(pub, msg, sig) {
			b.Fatal("does not verify")
		}
	}
}

// BenchmarkKeypairFromSeed is the cost of loading a plaintext hotkey's key.
func BenchmarkKeypairFromSeed(b *testing.B) {
	seed := make([]byte, 32)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := KeypairFromSeed(seed); err != nil {
			b.Fatal(err)
		}
	}
}
