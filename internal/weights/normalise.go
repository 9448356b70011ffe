package weights

import (
	"fmt"
	"math"
	"slices"
)

// U16Max is the largest chain weight; normalisation scales the largest input to it.
const U16Max = math.MaxUint16

// Normalised is a weight vector in the chain's form: parallel uid and value
// vectors, sorted by uid ascending.
//
// The chain does not care about order (it stores the pairs as given and the
// epoch reads them as a sparse row), but the order is part of what gets hashed
// for a commit-reveal v2 commit and of what is persisted with a job. Sorting
// makes the output a pure function of the input map, so the same request always
// produces the same bytes, hash and stored state. (Pylon keeps the JSON object's
// order; a Go map has none.)
type Normalised struct {
	UIDs   []uint16
	Values []uint16
}

// Normalise max-upscales weights to u16 exactly as the Bittensor SDK, turbobt and
// Pylon do (CHAIN.md §7.1): each value becomes RoundHalfToEven(w / max * 65535),
// evaluated in float64 in exactly that order (division first, then the
// multiplication), so results agree bit for bit with Python's round().
//
// Zero weights are kept, as turbobt and Pylon keep them (the SDK drops them;
// CHAIN.md §12 decision 9): the chain counts them towards min_allowed_weights,
// and dropping them would silently change what the validator asked for.
//
// The input must be non-empty, finite, non-negative and not all zero; anything
// else returns a *ValidationError (ErrNoWeights, ErrNotFinite, ErrNegative,
// ErrAllZero). The largest input always maps to 65535.
func Normalise(weights map[uint16]float64) (Normalised, error) {
	if len(weights) == 0 {
		return Normalised{}, invalid(ErrNoWeights, "no weights given")
	}
	var uids []uint16
	for uid, w := range weights {
		if math.IsNaN(w) || math.IsInf(w, 0) {
			return Normalised{}, invalidUIDs(ErrNotFinite, []uint16{uid}, "weight of uid %d is %v", uid, w)
		}
		if w < 0 {
			return Normalised{}, invalidUIDs(ErrNegative, []uint16{uid}, "weight of uid %d is negative (%v)", uid, w)
		}
		uids = append(uids, uid)
	}
	slices.Sort(uids)
	maxW := 0.0
	for _, uid := range uids {
		maxW = math.Max(maxW, weights[uid])
	}
	if maxW == 0 {
		return Normalised{}, invalid(ErrAllZero, "all %d weights are zero", len(weights))
	}
	out := Normalised{UIDs: uids, Values: make([]uint16, len(uids))}
	for i, uid := range uids {
		out.Values[i] = scaleU16(weights[uid], maxW)
	}
	return out, nil
}

// scaleU16 is the one float expression of the normalisation. w ≤ maxW, so the
// product never exceeds 65535 and the conversion cannot overflow; the split into
// two statements keeps the evaluation order explicit (Go never fuses a division
// and a multiplication, but a reader should not have to know that).
func scaleU16(w, maxW float64) uint16 {
	ratio := w / maxW
	scaled := ratio * U16Max
	return uint16(math.RoundToEven(scaled))
}

// String renders the vector as uid:value pairs, for logs and test failures.
func (n Normalised) String() string {
	s := "["
	for i := range n.UIDs {
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%d:%d", n.UIDs[i], n.Values[i])
	}
	return s + "]"
}
