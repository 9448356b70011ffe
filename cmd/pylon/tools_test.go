package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pylon-go/pylon/internal/sharedtest"
)

// The wallet was written by bittensor-wallet (see internal/keys/testdata); its
// address is the one that library recorded.
func TestKeysShow(t *testing.T) {
	path, err := filepath.Abs("../../internal/keys/testdata/wallets")
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, nil, "keys", "show", "-path", path, "-wallet", "btwallet", "-hotkey", "plain", "-json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var d struct {
		SS58     string `json:"hotkey_ss58"`
		Verified bool   `json:"verified"`
		Coldkey  string `json:"coldkey_ss58"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if d.SS58 != "5F1SYPuEEBUNHxAt4WRuPEDxpYjFPoLtGKFcVcg4iqgX23tX" || !d.Verified {
		t.Errorf("keys show: %+v", d)
	}

	// The path defaults to PYLON_BITTENSOR_WALLET_PATH; the text form names the address.
	code, out, _ = runCmd(t, []string{"PYLON_BITTENSOR_WALLET_PATH=" + path}, "keys", "show", "-wallet", "btwallet", "-hotkey", "plain")
	if code != exitOK || !strings.Contains(out, "5F1SYPuEEBUNHxAt4WRuPEDxpYjFPoLtGKFcVcg4iqgX23tX") {
		t.Errorf("exit %d, output %q", code, out)
	}
	if strings.Contains(strings.ToLower(out), "secret") || strings.Contains(out, "privateKey") {
		t.Errorf("output mentions secret material: %q", out)
	}

	code, _, errOut = runCmd(t, nil, "keys", "show", "-path", path, "-wallet", "btwallet", "-hotkey", "missing")
	if code != exitFailure || !strings.Contains(errOut, filepath.Join(path, "btwallet", "hotkeys", "missing")) {
		t.Errorf("missing hotkey: exit %d, stderr %q", code, errOut)
	}
	if code, _, _ := runCmd(t, nil, "keys", "show", "-wallet", "w"); code != exitUsage {
		t.Errorf("missing -hotkey: exit %d, want %d", code, exitUsage)
	}
}

// The deterministic ciphertext of the shared vectors opens with the real
// drand round-1000 signature into the weights payload it was made from.
func TestTimelockDecrypt(t *testing.T) {
	var v struct {
		Drand struct {
			Signature string `json:"round_1000_signature_g1_compressed"`
		} `json:"drand_quicknet"`
		KAT struct {
			Ciphertext string `json:"ciphertext"`
		} `json:"tlock_deterministic_kat"`
	}
	if err := json.Unmarshal(sharedtest.ReadFile(t, "crypto-vectors.json"), &v); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, nil, "timelock", "decrypt", "-ciphertext", v.KAT.Ciphertext, "-signature", v.Drand.Signature)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var p struct {
		Hotkey     string   `json:"hotkey"`
		UIDs       []uint16 `json:"uids"`
		Values     []uint16 `json:"values"`
		VersionKey uint64   `json:"version_key"`
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if p.Hotkey != "5HDvhV6WDCjCKyrXqGQSDYqQAzkzabNhctmiDYEqgBC66BsX" || len(p.UIDs) != 3 || p.UIDs[2] != 3 ||
		len(p.Values) != 3 || p.Values[2] != 300 || p.VersionKey != 42 {
		t.Errorf("decrypted payload %+v", p)
	}

	// A corrupted ciphertext fails cleanly.
	bad := v.KAT.Ciphertext[:len(v.KAT.Ciphertext)-40]
	if code, _, errOut := runCmd(t, nil, "timelock", "decrypt", "-ciphertext", bad, "-signature", v.Drand.Signature); code != exitFailure || errOut == "" {
		t.Errorf("truncated ciphertext: exit %d, stderr %q", code, errOut)
	}
}
