package keys_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pylon-go/pylon/internal/keys"
)

// The dev accounts of a local chain come from secret URIs.
func ExampleKeypairFromURI() {
	alice, err := keys.KeypairFromURI("//Alice")
	if err != nil {
		panic(err)
	}
	sig, err := alice.Sign([]byte("payload"))
	if err != nil {
		panic(err)
	}
	fmt.Println(alice.SS58())
	fmt.Println(keys.Verify(alice.PublicKey(), []byte("payload"), sig))
	fmt.Printf("%+v\n", alice) // printing never shows the secret
	// Output:
	// 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY
	// true
	// sr25519 keypair 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY
}

// What `pylon keys show --wallet W --hotkey H --path P` prints.
func ExampleDescribe() {
	dir, err := os.MkdirTemp("", "wallets")
	if err != nil {
		panic(err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	hot, err := keys.KeypairFromURI("//Alice//hot")
	if err != nil {
		panic(err)
	}
	if err := keys.WriteKeyfile(context.Background(), filepath.Join(dir, "validator", "hotkeys", "default"), hot); err != nil {
		panic(err)
	}

	d, err := keys.Describe(context.Background(), dir, "validator", "default", keys.LoadOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Println(d.HotkeySS58)
	fmt.Println(d.HotkeyPublicKey)
	fmt.Println("verified:", d.Verified, "encrypted:", d.Encrypted, "coldkey:", d.ColdkeySS58 != "")
	// Output:
	// 5G6Fyo6U2fDhJXDJGp4Dr6XViVCdPcryiyLBDsusguSRcYvJ
	// 0xb220508024ce70b0dd91910806fbda4614701cb762f669276fe978636c4ff80c
	// verified: true encrypted: false coldkey: false
}

// The request/config policy: only prefix-42 addresses are accepted.
func ExampleParseAccountID() {
	id, err := keys.ParseAccountID("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY")
	fmt.Println(id.Hex(), err)
	_, err = keys.ParseAccountID("15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5") // Alice on prefix 0
	fmt.Println(err)
	// Output:
	// 0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d <nil>
	// SS58 address has the wrong network prefix: prefix 0, want 42
}
