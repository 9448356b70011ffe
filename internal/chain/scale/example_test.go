package scale_test

import (
	"fmt"

	"github.com/pylon-go/pylon/internal/chain/scale"
)

func ExampleMarshal() {
	// A tuple (u16, Vec<Compact<u32>>, Option<bool>) as a Go struct.
	type payload struct {
		Netuid uint16
		Uids   []uint32 `scale:",compact"`
		Flag   *bool
	}
	yes := true
	b, err := scale.Marshal(payload{Netuid: 1, Uids: []uint32{0, 64}, Flag: &yes})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%x\n", b)
	var back payload
	if err := scale.Unmarshal(b, &back); err != nil {
		panic(err)
	}
	fmt.Println(back.Netuid, back.Uids, *back.Flag)
	// Output:
	// 0100080001010101
	// 1 [0 64] true
}

func ExampleDecoder() {
	d := scale.NewDecoder([]byte{0x15, 0x01, 0x2a, 0x00, 0x01})
	n, _ := d.Compact() // 69
	v, _ := d.U16()     // 42
	ok, _ := d.Bool()
	fmt.Println(n, v, ok, d.Finish())
	_, err := d.U8()
	fmt.Println(err)
	// Output:
	// 69 42 true <nil>
	// scale: unexpected end of input: u8 needs 1 bytes at offset 5, 0 left
}
