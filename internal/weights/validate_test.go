package weights

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Test addresses: the format is irrelevant here, validity is decided by the
// injected checker.
const (
	hkSelf = "5Self"
	hkA    = "5A"
	hkB    = "5B"
	hkC    = "5C"
	hkD    = "5D"
)

func validSS58(s string) bool { return strings.HasPrefix(s, "5") }

func TestCheckRequest(t *testing.T) {
	for name, tc := range map[string]struct {
		in      map[string]float64
		want    error
		hotkeys []string
	}{
		"ok":             {map[string]float64{hkA: 0.5, hkB: 0}, nil, nil},
		"empty":          {map[string]float64{}, ErrNoWeights, nil},
		"nil":            {nil, ErrNoWeights, nil},
		"bad hotkeys":    {map[string]float64{"x2": 1, hkA: 1, "x1": 1, "": 1}, ErrInvalidHotkey, []string{"", "x1", "x2"}},
		"nan and inf":    {map[string]float64{hkA: nan(), hkB: inf(-1), hkC: 1}, ErrNotFinite, []string{hkA, hkB}},
		"negative":       {map[string]float64{hkA: -1, hkB: 1, hkC: -1e-300}, ErrNegative, []string{hkA, hkC}},
		"all zero":       {map[string]float64{hkA: 0, hkB: 0}, ErrAllZero, nil},
		"bad before neg": {map[string]float64{"x": -1}, ErrInvalidHotkey, []string{"x"}},
	} {
		t.Run(name, func(t *testing.T) {
			err := CheckRequest(tc.in, validSS58)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, tc.want) || !errors.Is(err, ErrInvalidWeights) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if diff := cmp.Diff(tc.hotkeys, ve.Hotkeys); diff != "" {
				t.Errorf("hotkeys:\n%s", diff)
			}
			if ve.Error() == "" || ve.Error() != ve.Message {
				t.Errorf("message %q", ve.Error())
			}
		})
	}
	// Without a checker only the empty hotkey is refused.
	if err := CheckRequest(map[string]float64{"anything": 1}, nil); err != nil {
		t.Error(err)
	}
	if err := CheckRequest(map[string]float64{"": 1}, nil); !errors.Is(err, ErrInvalidHotkey) {
		t.Errorf("empty hotkey: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

func subnet() Subnet {
	return Subnet{
		Netuid: 12, Block: 1000,
		UIDs:              map[string]uint16{hkSelf: 0, hkA: 1, hkB: 2, hkC: 3},
		Size:              4,
		MinAllowedWeights: 2,
		MaxWeightsLimit:   U16Max,
		WeightsVersionKey: 0,
	}
}

func TestPrepare(t *testing.T) {
	req := func(w map[string]float64) Request {
		return Request{Weights: w, Signer: hkSelf, VersionKey: 9003000, ValidHotkey: validSS58}
	}
	for name, tc := range map[string]struct {
		req   Request
		sn    func(*Subnet)
		want  Plan
		err   error
		chain string
	}{
		"ok, unknown hotkey dropped": {
			req:  req(map[string]float64{hkA: 0.2, hkB: 0.8, hkD: 5}),
			want: Plan{Normalised: Normalised{UIDs: []uint16{1, 2}, Values: []uint16{16384, 65535}}, Block: 1000, VersionKey: 9003000, Dropped: []string{hkD}},
		},
		"version key raised to the subnet minimum": {
			req:  req(map[string]float64{hkA: 1, hkB: 1}),
			sn:   func(s *Subnet) { s.WeightsVersionKey = 10002000 },
			want: Plan{Normalised: Normalised{UIDs: []uint16{1, 2}, Values: []uint16{65535, 65535}}, Block: 1000, VersionKey: 10002000},
		},
		"zeros count towards the minimum": {
			req:  req(map[string]float64{hkA: 1, hkB: 0}),
			sn:   func(s *Subnet) { s.MinAllowedWeights = 2 },
			want: Plan{Normalised: Normalised{UIDs: []uint16{1, 2}, Values: []uint16{65535, 0}}, Block: 1000, VersionKey: 9003000},
		},
		"single self weight is exempt from length, limit and permit": {
			req: req(map[string]float64{hkSelf: 1}),
			sn: func(s *Subnet) {
				s.MinAllowedWeights, s.MaxWeightsLimit, s.Permitted = 4, 100, ptr(false)
			},
			want: Plan{Normalised: Normalised{UIDs: []uint16{0}, Values: []uint16{65535}}, Block: 1000, VersionKey: 9003000},
		},
		"minimum capped by subnet size": {
			req:  req(map[string]float64{hkA: 1, hkB: 1, hkC: 1, hkSelf: 1}),
			sn:   func(s *Subnet) { s.MinAllowedWeights = 1024 },
			want: Plan{Normalised: Normalised{UIDs: []uint16{0, 1, 2, 3}, Values: []uint16{65535, 65535, 65535, 65535}}, Block: 1000, VersionKey: 9003000},
		},
		"permitted": {
			req:  req(map[string]float64{hkA: 1, hkB: 1}),
			sn:   func(s *Subnet) { s.Permitted = ptr(true) },
			want: Plan{Normalised: Normalised{UIDs: []uint16{1, 2}, Values: []uint16{65535, 65535}}, Block: 1000, VersionKey: 9003000},
		},
		"root network":        {req: req(map[string]float64{hkA: 1}), sn: func(s *Subnet) { s.Netuid = 0 }, err: ErrRootNetwork, chain: "CanNotSetRootNetworkWeights"},
		"signer unregistered": {req: req(map[string]float64{hkA: 1}), sn: func(s *Subnet) { delete(s.UIDs, hkSelf) }, err: ErrSignerNotRegistered, chain: "HotKeyNotRegisteredInSubNet"},
		"none registered":     {req: req(map[string]float64{hkD: 1, "5E": 2}), err: ErrNoneRegistered},
		"all zero after drop": {req: req(map[string]float64{hkA: 0, hkB: 0, hkD: 1}), err: ErrAllZero},
		"uid out of range":    {req: req(map[string]float64{hkA: 1, hkC: 1}), sn: func(s *Subnet) { s.Size = 3 }, err: ErrUIDOutOfRange, chain: "UidVecContainInvalidOne"},
		"duplicate uid":       {req: req(map[string]float64{hkA: 1, hkB: 1}), sn: func(s *Subnet) { s.UIDs[hkB] = 1 }, err: ErrDuplicateUID, chain: "DuplicateUids"},
		"too few":             {req: req(map[string]float64{hkA: 1, hkB: 1}), sn: func(s *Subnet) { s.MinAllowedWeights = 3 }, err: ErrTooFewWeights, chain: "WeightVecLengthIsLow"},
		"one non-self weight": {req: req(map[string]float64{hkA: 1}), err: ErrTooFewWeights, chain: "WeightVecLengthIsLow"},
		"max weight exceeded": {req: req(map[string]float64{hkA: 1, hkB: 0.1}), sn: func(s *Subnet) { s.MaxWeightsLimit = 32768 }, err: ErrMaxWeightExceeded, chain: "MaxWeightExceeded"},
		"no permit":           {req: req(map[string]float64{hkA: 1, hkB: 1}), sn: func(s *Subnet) { s.Permitted = ptr(false) }, err: ErrNoValidatorPermit, chain: "NeuronNoValidatorPermit"},
		"request invalid":     {req: req(map[string]float64{hkA: -1}), err: ErrNegative},
	} {
		t.Run(name, func(t *testing.T) {
			sn := subnet()
			if tc.sn != nil {
				tc.sn(&sn)
			}
			got, err := Prepare(tc.req, sn)
			if tc.err == nil {
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("Plan (-want +got):\n%s", diff)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, tc.err) || !errors.Is(err, ErrInvalidWeights) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if ve.Chain != tc.chain {
				t.Errorf("Chain = %q, want %q", ve.Chain, tc.chain)
			}
		})
	}
}

func TestPrepareReportsOffenders(t *testing.T) {
	_, err := Prepare(Request{Weights: map[string]float64{hkD: 1, "5E": 1}, Signer: hkSelf}, subnet())
	var ve *ValidationError
	if !errors.As(err, &ve) || !slices.Equal(ve.Hotkeys, []string{hkD, "5E"}) {
		t.Fatalf("err = %v, hotkeys %v", err, ve)
	}
	_, err = Prepare(Request{Weights: map[string]float64{hkA: 0, hkD: 1}, Signer: hkSelf}, subnet())
	if !errors.As(err, &ve) || !errors.Is(err, ErrAllZero) || !slices.Equal(ve.Hotkeys, []string{hkD}) || !strings.Contains(ve.Message, "dropped") {
		t.Fatalf("err = %v", err)
	}
}

// TestMaxWeightLimitedVectors compares the I32F32 emulation with the Python
// integer oracle, including cases where truncation accepts what exact
// arithmetic would not.
func TestMaxWeightLimitedVectors(t *testing.T) {
	for i, c := range readVectors(t).MaxWeightLimited {
		if got := MaxWeightLimited(c.Values, c.Limit); got != c.OK {
			t.Errorf("case %d: MaxWeightLimited(%v, %d) = %v, want %v", i, c.Values, c.Limit, got, c.OK)
		}
	}
}

func TestVersionKey(t *testing.T) {
	for _, tc := range []struct {
		configured, min, want uint64
	}{{9003000, 0, 9003000}, {9003000, 10002000, 10002000}, {10002000, 9003000, 10002000}, {0, 0, 0}} {
		got := EffectiveVersionKey(tc.configured, tc.min)
		if got != tc.want || !VersionKeyAccepted(tc.min, got) {
			t.Errorf("EffectiveVersionKey(%d, %d) = %d", tc.configured, tc.min, got)
		}
	}
	if VersionKeyAccepted(10, 9) || !VersionKeyAccepted(10, 10) || !VersionKeyAccepted(0, 0) {
		t.Error("VersionKeyAccepted disagrees with check_version_key")
	}
}

func TestMinWeights(t *testing.T) {
	if MinWeights(8, 4) != 4 || MinWeights(2, 256) != 2 || MinWeights(0, 10) != 0 {
		t.Error("MinWeights is not min(MinAllowedWeights, SubnetworkN)")
	}
}
