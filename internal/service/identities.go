package service

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/pylon-go/pylon/internal/config"
	"github.com/pylon-go/pylon/internal/keys"
)

// Identities resolves the hotkeys of the configured identities from their
// wallets, for reads about the identity itself (its own certificate). Only
// public keys are read: the hotkey file's recorded public key, or the
// <hotkey>pub.txt btwallet writes beside an encrypted one, so no password is
// needed and nothing secret is loaded. A resolved key is kept; a failure is
// retried on the next call (the operator may fix the wallet meanwhile).
type Identities struct {
	walletPath string

	mu     sync.Mutex
	byName map[string]keys.AccountID
}

// NewIdentities returns a resolver for wallets under walletPath.
func NewIdentities(walletPath string) *Identities {
	return &Identities{walletPath: walletPath, byName: map[string]keys.AccountID{}}
}

// Hotkey returns the identity's hotkey public key.
func (ids *Identities) Hotkey(ctx context.Context, id config.Identity) (keys.AccountID, error) {
	ids.mu.Lock()
	hk, ok := ids.byName[id.Name]
	ids.mu.Unlock()
	if ok {
		return hk, nil
	}
	path, err := keys.HotkeyPath(ids.walletPath, id.WalletName, id.HotkeyName)
	if err != nil {
		return keys.AccountID{}, fmt.Errorf("identity %s: %w", id.Name, err)
	}
	hk, err = keys.ReadPublicKeyfile(ctx, path)
	if err != nil {
		var err2 error
		if hk, err2 = keys.ReadPublicKeyfile(ctx, path+"pub.txt"); err2 != nil {
			return keys.AccountID{}, fmt.Errorf("identity %s: reading the hotkey's public key: %w", id.Name, errors.Join(err, err2))
		}
	}
	ids.mu.Lock()
	ids.byName[id.Name] = hk
	ids.mu.Unlock()
	return hk, nil
}
