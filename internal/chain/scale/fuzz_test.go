package scale

import (
	"bytes"
	"testing"
)

// FuzzDecoder feeds arbitrary bytes to every Decoder method and to the static
// codec. It checks that nothing panics and that whatever decodes re-encodes to
// the bytes it was read from (canonical encodings are unique).
func FuzzDecoder(f *testing.F) {
	for _, s := range []string{
		"", "00", "04", "fdff", "02000100", "0300000040", "13ffffffffffffffff",
		"ff" + string(bytes.Repeat([]byte{0xff}, 67)),
		"141c", "0c616263", "0108", "0300000040aabbcc",
	} {
		f.Add([]byte(s))
	}
	f.Add(mustHex(f, "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d0100080000010008004"+
		"0ffff0c010002000300f85f890000000000"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d := NewDecoder(b)
		if v, err := d.Compact(); err == nil {
			if got := AppendCompact(nil, v); !bytes.Equal(got, b[:d.Offset()]) {
				t.Fatalf("compact %d re-encodes to %x, read from %x", v, got, b[:d.Offset()])
			}
		}
		d.Reset(b)
		if v, err := d.CompactBig(); err == nil {
			var e Encoder
			if err := e.CompactBig(v); err != nil || !bytes.Equal(e.Bytes(), b[:d.Offset()]) {
				t.Fatalf("big compact %s re-encodes to %x, read from %x", v, e.Bytes(), b[:d.Offset()])
			}
		}
		d.Reset(b)
		_, _ = d.CompactU128()
		d.Reset(b)
		_, _ = d.Str()
		d.Reset(b)
		_, _ = d.Char()
		for _, store := range []BitStore{BitStoreU8, BitStoreU16, BitStoreU32, BitStoreU64, 3} {
			for _, order := range []BitOrder{Lsb0, Msb0} {
				d.Reset(b)
				if bits, err := d.BitSequence(store, order); err == nil {
					var e Encoder
					if err := e.BitSequence(bits, store, order); err != nil {
						t.Fatal(err)
					}
					// Unused high bits of the last word may be set on input;
					// only the length prefix and full words must agree.
					if e.Len() != d.Offset() {
						t.Fatalf("bit sequence re-encodes to %d bytes, read %d", e.Len(), d.Offset())
					}
				}
			}
		}
		var v everything
		if err := Unmarshal(b, &v); err == nil {
			out, err := Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, b) {
				t.Fatalf("static codec re-encodes %x to %x", b, out)
			}
		}
		var p []pair
		_ = Unmarshal(b, &p)
		var w weightsPreimage
		_ = Unmarshal(b, &w)
	})
}
