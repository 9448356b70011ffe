package metadata

import (
	"fmt"
	"unsafe"

	"github.com/pylon-go/pylon/internal/chain/scale"
)

// skipper returns a plan that consumes one value of type id without building
// it, for metadata fields a Go destination does not have. Fixed-size types are
// skipped in one step.
func (r *Registry) skipper(id TypeID) (*plan, error) {
	if pl, ok := loadPlan(&r.skips, id); ok {
		return pl, nil
	}
	building := map[TypeID]*plan{}
	pl, err := r.buildSkip(id, building, 0)
	if err != nil {
		return nil, err
	}
	for k, v := range building {
		r.skips.Store(k, v)
	}
	return pl, nil
}

func (r *Registry) buildSkip(id TypeID, building map[TypeID]*plan, depth int) (*plan, error) {
	if pl, ok := loadPlan(&r.skips, id); ok {
		return pl, nil
	}
	if pl, ok := building[id]; ok {
		return pl, nil
	}
	if depth > maxDepth {
		return nil, ErrTooDeep
	}
	pl := &plan{}
	building[id] = pl
	if n, ok := r.fixedSize(id, 0); ok {
		pl.fn = func(d *scale.Decoder, _ unsafe.Pointer) error { return d.Skip(n) }
		return pl, nil
	}
	t, err := r.Type(id)
	if err != nil {
		return nil, err
	}
	sub := func(ids ...TypeID) ([]*plan, error) {
		out := make([]*plan, len(ids))
		for i, e := range ids {
			p, err := r.buildSkip(e, building, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = p
		}
		return out, nil
	}
	seq := func(plans []*plan) func(d *scale.Decoder, _ unsafe.Pointer) error {
		return func(d *scale.Decoder, _ unsafe.Pointer) error {
			for _, p := range plans {
				if err := p.fn(d, nil); err != nil {
					return err
				}
			}
			return nil
		}
	}
	switch t.Kind {
	case KindPrimitive: // only str is variable-sized
		pl.fn = func(d *scale.Decoder, _ unsafe.Pointer) error { _, err := d.Bytes(); return err }
	case KindCompact:
		pl.fn = func(d *scale.Decoder, _ unsafe.Pointer) error { return d.SkipCompact() }
	case KindBitSequence:
		store, order, err := r.bitLayout(t)
		if err != nil {
			return nil, err
		}
		pl.fn = func(d *scale.Decoder, _ unsafe.Pointer) error { _, err := d.BitSequence(store, order); return err }
	case KindComposite:
		ids := make([]TypeID, len(t.Fields))
		for i, f := range t.Fields {
			ids[i] = f.Type
		}
		plans, err := sub(ids...)
		if err != nil {
			return nil, err
		}
		pl.fn = seq(plans)
	case KindTuple:
		plans, err := sub(t.Tuple...)
		if err != nil {
			return nil, err
		}
		pl.fn = seq(plans)
	case KindVariant:
		var byIndex [256]func(d *scale.Decoder, _ unsafe.Pointer) error
		for _, v := range t.Variants {
			ids := make([]TypeID, len(v.Fields))
			for i, f := range v.Fields {
				ids[i] = f.Type
			}
			plans, err := sub(ids...)
			if err != nil {
				return nil, err
			}
			byIndex[v.Index] = seq(plans)
		}
		pl.fn = func(d *scale.Decoder, _ unsafe.Pointer) error {
			idx, err := d.U8()
			if err != nil {
				return err
			}
			if byIndex[idx] == nil {
				return fmt.Errorf("%w: no variant with index %d in %s", ErrTypeMismatch, idx, r.Name(id))
			}
			return byIndex[idx](d, nil)
		}
	case KindSequence, KindArray:
		elem, err := sub(t.Elem)
		if err != nil {
			return nil, err
		}
		isSeq, n := t.Kind == KindSequence, int(t.Len)
		minSize := r.minSize(t.Elem)
		pl.fn = func(d *scale.Decoder, _ unsafe.Pointer) error {
			count := n
			if isSeq {
				var err error
				if count, err = d.Length(minSize); err != nil {
					return err
				}
			}
			for i := 0; i < count; i++ {
				if err := elem[0].fn(d, nil); err != nil {
					return err
				}
			}
			return nil
		}
	default:
		return nil, fmt.Errorf("%w: unknown kind %d", ErrInvalidMetadata, t.Kind)
	}
	return pl, nil
}

// fixedSize returns the encoded size of id if every value of it has the same
// size (integers, bools, arrays and tuples of them, fieldless structs).
func (r *Registry) fixedSize(id TypeID, depth int) (int, bool) {
	t, err := r.Type(id)
	if err != nil || depth > maxDepth {
		return 0, false
	}
	switch t.Kind {
	case KindPrimitive:
		n := t.Primitive.size()
		return n, n > 0
	case KindArray:
		n, ok := r.fixedSize(t.Elem, depth+1)
		if !ok || uint64(n)*uint64(t.Len) > 1<<30 { //nolint:gosec // G115: sizes are never negative.
			return 0, false
		}
		return n * int(t.Len), true
	case KindTuple:
		total := 0
		for _, e := range t.Tuple {
			n, ok := r.fixedSize(e, depth+1)
			if !ok {
				return 0, false
			}
			total += n
		}
		return total, true
	case KindComposite:
		total := 0
		for _, f := range t.Fields {
			n, ok := r.fixedSize(f.Type, depth+1)
			if !ok {
				return 0, false
			}
			total += n
		}
		return total, true
	}
	return 0, false
}
