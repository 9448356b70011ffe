package weights

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// vectorFile is testdata/vectors.json, made by testdata/gen_vectors.py.
type vectorFile struct {
	Normalise []struct {
		Name    string `json:"name"`
		Weights []struct {
			UID    uint16  `json:"uid"`
			Weight float64 `json:"weight"`
			Hex    string  `json:"hex"`
		} `json:"weights"`
		UIDs   []uint16 `json:"uids"`
		Values []uint16 `json:"values"`
		Error  string   `json:"error"`
	} `json:"normalize"` //nolint:misspell // the key gen_vectors.py writes into vectors.json
	MaxWeightLimited []struct {
		Values []uint16 `json:"values"`
		Limit  uint16   `json:"limit"`
		OK     bool     `json:"ok"`
	} `json:"max_weight_limited"`
}

func readVectors(t *testing.T) vectorFile {
	t.Helper()
	b, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectorFile
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("testdata/vectors.json: %v", err)
	}
	if len(v.Normalise) < 100 || len(v.MaxWeightLimited) < 20 {
		t.Fatalf("testdata/vectors.json holds too few cases (%d, %d): regenerate it", len(v.Normalise), len(v.MaxWeightLimited))
	}
	return v
}

// TestNormaliseVectors compares every case computed by Python's float64
// arithmetic and round() (the SDK/turbobt/Pylon expression).
func TestNormaliseVectors(t *testing.T) {
	for _, c := range readVectors(t).Normalise {
		t.Run(c.Name, func(t *testing.T) {
			in := make(map[uint16]float64, len(c.Weights))
			for _, w := range c.Weights {
				// The decimal and the hex form must denote the same double, or
				// the file does not say what Python computed with.
				h, err := strconv.ParseFloat(w.Hex, 64)
				if err != nil {
					t.Fatal(err)
				}
				if math.Float64bits(h) != math.Float64bits(w.Weight) {
					t.Fatalf("uid %d: decimal %v and hex %s differ", w.UID, w.Weight, w.Hex)
				}
				in[w.UID] = w.Weight
			}
			got, err := Normalise(in)
			switch c.Error {
			case "":
				if err != nil {
					t.Fatal(err)
				}
				want := Normalised{UIDs: c.UIDs, Values: c.Values}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("Normalise (-python +go):\n%s", diff)
				}
			case "all_zero":
				if !errors.Is(err, ErrAllZero) || !errors.Is(err, ErrInvalidWeights) {
					t.Errorf("err = %v, want ErrAllZero", err)
				}
			case "empty":
				if !errors.Is(err, ErrNoWeights) {
					t.Errorf("err = %v, want ErrNoWeights", err)
				}
			default:
				t.Fatalf("unknown expected error %q", c.Error)
			}
		})
	}
}

func TestNormaliseDocumentedExamples(t *testing.T) {
	got, err := Normalise(map[uint16]float64{0: 0.2, 1: 0.8})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Normalised{UIDs: []uint16{0, 1}, Values: []uint16{16384, 65535}}, got); diff != "" {
		t.Error(diff)
	}
	// DEVNET.md §5.7: the chain stores [100,200,300,400] as these values.
	got, err = Normalise(map[uint16]float64{4: 400, 2: 200, 1: 100, 3: 300})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Normalised{UIDs: []uint16{1, 2, 3, 4}, Values: []uint16{16384, 32768, 49151, 65535}}, got); diff != "" {
		t.Error(diff)
	}
	if s := got.String(); s != "[1:16384 2:32768 3:49151 4:65535]" {
		t.Errorf("String() = %s", s)
	}
}

func TestNormaliseRejects(t *testing.T) {
	for name, tc := range map[string]struct {
		in   map[uint16]float64
		want error
		uid  uint16
	}{
		"nan":      {map[uint16]float64{1: 1, 2: math.NaN()}, ErrNotFinite, 2},
		"+inf":     {map[uint16]float64{3: math.Inf(1)}, ErrNotFinite, 3},
		"-inf":     {map[uint16]float64{4: math.Inf(-1), 5: 1}, ErrNotFinite, 4},
		"negative": {map[uint16]float64{6: -0.5, 7: 1}, ErrNegative, 6},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Normalise(tc.in)
			var ve *ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, tc.want) || !errors.Is(err, ErrInvalidWeights) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !slices.Equal(ve.UIDs, []uint16{tc.uid}) {
				t.Errorf("UIDs = %v, want [%d]", ve.UIDs, tc.uid)
			}
		})
	}
	// Negative zero is zero, not negative.
	if _, err := Normalise(map[uint16]float64{1: math.Copysign(0, -1), 2: 1}); err != nil {
		t.Errorf("-0: %v", err)
	}
}

// TestNormaliseProperties: for any valid input the output is sorted by uid and
// covers exactly the input uids, the largest weight maps to 65535, zeros stay
// zero, and the map is monotonic (a larger weight never gets a smaller value).
func TestNormaliseProperties(t *testing.T) {
	weight := rapid.OneOf(
		rapid.Float64Range(0, 1),
		rapid.Float64Range(0, math.MaxFloat64),
		rapid.Float64Range(0, 1e-300),
		rapid.Just(0.0),
	)
	rapid.Check(t, func(t *rapid.T) {
		in := rapid.MapOfN(rapid.Uint16(), weight, 1, 64).Draw(t, "weights")
		maxW := 0.0
		for _, w := range in {
			maxW = math.Max(maxW, w)
		}
		got, err := Normalise(in)
		if maxW == 0 {
			if !errors.Is(err, ErrAllZero) {
				t.Fatalf("all zero: err = %v", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(got.UIDs) != len(in) || len(got.Values) != len(in) {
			t.Fatalf("lengths %d/%d for %d weights", len(got.UIDs), len(got.Values), len(in))
		}
		if !slices.IsSorted(got.UIDs) || len(slices.Compact(slices.Clone(got.UIDs))) != len(got.UIDs) {
			t.Fatalf("uids not strictly ascending: %v", got.UIDs)
		}
		if slices.Max(got.Values) != U16Max {
			t.Fatalf("max value %d, want 65535", slices.Max(got.Values))
		}
		for i, uid := range got.UIDs {
			w, ok := in[uid]
			if !ok {
				t.Fatalf("uid %d not in the input", uid)
			}
			if w == maxW && got.Values[i] != U16Max {
				t.Fatalf("largest weight of uid %d got %d", uid, got.Values[i])
			}
			if w == 0 && got.Values[i] != 0 {
				t.Fatalf("zero weight of uid %d got %d", uid, got.Values[i])
			}
			for j, other := range got.UIDs {
				if in[other] > w && got.Values[j] < got.Values[i] {
					t.Fatalf("not monotonic: uid %d (%v) → %d, uid %d (%v) → %d", uid, w, got.Values[i], other, in[other], got.Values[j])
				}
			}
		}
	})
}
