package metadata

import (
	"fmt"

	"github.com/pylon-go/pylon/internal/chain/scale"
)

// ModuleError is a pallet error resolved through the metadata.
type ModuleError struct {
	PalletIndex uint8
	Pallet      string
	Index       uint8 // error variant index (first byte of the error bytes)
	Name        string
	Docs        []string
	Bytes       [4]byte // the raw error bytes of DispatchError::Module
}

// Error returns "Pallet.ErrorName".
func (e *ModuleError) Error() string { return e.Pallet + "." + e.Name }

// ModuleError resolves DispatchError::Module{index, error} to the pallet's
// error variant: error[0] is the variant index in the pallet's error enum.
func (m *Metadata) ModuleError(palletIndex uint8, errBytes [4]byte) (*ModuleError, error) {
	p, err := m.PalletByIndex(palletIndex)
	if err != nil {
		return nil, err
	}
	if p.ErrorType == nil {
		return nil, fmt.Errorf("%w: pallet %s has no errors", ErrNotFound, p.Name)
	}
	t, err := m.Types.Type(*p.ErrorType)
	if err != nil {
		return nil, err
	}
	v, ok := t.VariantByIndex(errBytes[0])
	if !ok {
		return nil, fmt.Errorf("%w: error %d of pallet %s", ErrNotFound, errBytes[0], p.Name)
	}
	return &ModuleError{PalletIndex: palletIndex, Pallet: p.Name, Index: errBytes[0], Name: v.Name, Docs: v.Docs, Bytes: errBytes}, nil
}

// PhaseKind says when in a block an event was emitted.
type PhaseKind uint8

// Phases of block execution (frame_system::Phase).
const (
	PhaseApplyExtrinsic PhaseKind = iota
	PhaseFinalization
	PhaseInitialization
)

// String returns the phase variant name.
func (k PhaseKind) String() string {
	switch k {
	case PhaseApplyExtrinsic:
		return "ApplyExtrinsic"
	case PhaseFinalization:
		return "Finalization" //nolint:misspell // Substrate's Phase::Finalization variant
	case PhaseInitialization:
		return "Initialization"
	}
	return fmt.Sprintf("PhaseKind(%d)", k)
}

// Phase is the phase of an event; ExtrinsicIndex is set for ApplyExtrinsic.
type Phase struct {
	Kind           PhaseKind
	ExtrinsicIndex uint32
}

// EventRecord is one decoded entry of System.Events.
type EventRecord struct {
	Phase       Phase
	PalletIndex uint8
	Pallet      string
	EventIndex  uint8
	Name        string
	Fields      []NamedValue
	Topics      [][32]byte
}

// Field returns the value of the event's named field.
func (r *EventRecord) Field(name string) (any, bool) {
	return Composite{r.Fields}.Field(name)
}

// EventsEntry returns the System.Events storage entry, whose value type
// (Vec<EventRecord>) drives event decoding.
func (m *Metadata) EventsEntry() (*StorageEntry, error) {
	return m.StorageEntry("System", "Events")
}

// DecodeEvents decodes the value of System.Events: every record with its
// phase, pallet and event names and fields, and topics. The layout comes from
// the storage entry's declared value type, walked through the registry.
func (m *Metadata) DecodeEvents(b []byte) ([]EventRecord, error) {
	entry, err := m.EventsEntry()
	if err != nil {
		return nil, err
	}
	seq, err := m.Types.Type(entry.ValueType)
	if err != nil {
		return nil, err
	}
	if seq.Kind != KindSequence {
		return nil, fmt.Errorf("%w: System.Events is %s, not a sequence", ErrTypeMismatch, m.Types.Name(entry.ValueType))
	}
	d := scale.NewDecoder(b)
	n, err := d.Length(m.Types.minSize(seq.Elem))
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	records := make([]EventRecord, 0, n)
	for i := 0; i < n; i++ {
		v, err := m.Types.DecodeFrom(d, seq.Elem)
		if err != nil {
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
		rec, err := eventRecord(v)
		if err != nil {
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
		records = append(records, rec)
	}
	if err := d.Finish(); err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	return records, nil
}

func eventRecord(v any) (EventRecord, error) {
	var rec EventRecord
	c, ok := v.(Composite)
	if !ok {
		return rec, fmt.Errorf("%w: event record is %T", ErrTypeMismatch, v)
	}
	phase, _ := c.Field("phase")
	pv, ok := phase.(Variant)
	if !ok {
		return rec, fmt.Errorf("%w: phase is %T", ErrTypeMismatch, phase)
	}
	switch pv.Name {
	case "ApplyExtrinsic":
		rec.Phase.Kind = PhaseApplyExtrinsic
		if len(pv.Fields) == 1 {
			idx, ok := pv.Fields[0].Value.(uint32)
			if !ok {
				return rec, fmt.Errorf("%w: extrinsic index is %T", ErrTypeMismatch, pv.Fields[0].Value)
			}
			rec.Phase.ExtrinsicIndex = idx
		}
	case "Finalization": //nolint:misspell // Substrate's Phase::Finalization variant
		rec.Phase.Kind = PhaseFinalization
	case "Initialization":
		rec.Phase.Kind = PhaseInitialization
	default:
		return rec, fmt.Errorf("%w: unknown phase %s", ErrTypeMismatch, pv.Name)
	}
	ev, _ := c.Field("event")
	outer, ok := ev.(Variant)
	if !ok || len(outer.Fields) != 1 {
		return rec, fmt.Errorf("%w: event is %T", ErrTypeMismatch, ev)
	}
	inner, ok := outer.Fields[0].Value.(Variant)
	if !ok {
		return rec, fmt.Errorf("%w: %s event is %T", ErrTypeMismatch, outer.Name, outer.Fields[0].Value)
	}
	rec.PalletIndex, rec.Pallet = outer.Index, outer.Name
	rec.EventIndex, rec.Name, rec.Fields = inner.Index, inner.Name, inner.Fields
	topics, _ := c.Field("topics")
	if seq, ok := topics.(Sequence); ok {
		for _, tv := range seq {
			h, ok := bytes32(tv)
			if !ok {
				return rec, fmt.Errorf("%w: topic is %T", ErrTypeMismatch, tv)
			}
			rec.Topics = append(rec.Topics, h)
		}
	}
	return rec, nil
}

// bytes32 extracts a [u8; 32], possibly inside a newtype such as H256.
func bytes32(v any) ([32]byte, bool) {
	var out [32]byte
	for {
		switch x := v.(type) {
		case []byte:
			if len(x) != 32 {
				return out, false
			}
			copy(out[:], x)
			return out, true
		case Composite:
			if len(x.Fields) != 1 {
				return out, false
			}
			v = x.Fields[0].Value
		default:
			return out, false
		}
	}
}

// DispatchError is a decoded sp_runtime::DispatchError.
type DispatchError struct {
	// Name is the variant: "Module", "BadOrigin", "Token", "Arithmetic", …
	Name string
	// Detail names the inner variant of nested enums, e.g. "FundsUnavailable"
	// for Token(FundsUnavailable); empty otherwise.
	Detail string
	// Module is the resolved pallet error for Name == "Module".
	Module *ModuleError
	// Value is the decoded variant as it came.
	Value Variant
}

// Error describes the dispatch error, naming the pallet error for Module.
func (e *DispatchError) Error() string {
	switch {
	case e.Module != nil:
		return "dispatch error: " + e.Module.Error()
	case e.Detail != "":
		return "dispatch error: " + e.Name + "(" + e.Detail + ")"
	}
	return "dispatch error: " + e.Name
}

// Unwrap returns the module error, so errors.As finds *ModuleError.
func (e *DispatchError) Unwrap() error {
	if e.Module == nil {
		return nil
	}
	return e.Module
}

// DispatchError interprets a decoded DispatchError value (e.g. the
// dispatch_error field of System.ExtrinsicFailed). Module errors are resolved
// to the pallet and error names of this runtime.
func (m *Metadata) DispatchError(v any) (*DispatchError, error) {
	vr, ok := v.(Variant)
	if !ok {
		return nil, fmt.Errorf("%w: dispatch error is %T, not an enum", ErrTypeMismatch, v)
	}
	de := &DispatchError{Name: vr.Name, Value: vr}
	if vr.Name != "Module" {
		if len(vr.Fields) == 1 {
			if inner, ok := vr.Fields[0].Value.(Variant); ok {
				de.Detail = inner.Name
			}
		}
		return de, nil
	}
	if len(vr.Fields) != 1 {
		return nil, fmt.Errorf("%w: Module error with %d fields", ErrTypeMismatch, len(vr.Fields))
	}
	me, ok := vr.Fields[0].Value.(Composite)
	if !ok {
		return nil, fmt.Errorf("%w: Module error is %T", ErrTypeMismatch, vr.Fields[0].Value)
	}
	idx, _ := me.Field("index")
	palletIndex, ok := idx.(uint8)
	if !ok {
		return nil, fmt.Errorf("%w: Module error index is %T", ErrTypeMismatch, idx)
	}
	var errBytes [4]byte
	switch e := mustField(me, "error").(type) {
	case []byte: // [u8; 4] since FRAME's 2022 change
		copy(errBytes[:], e)
	case uint8: // older runtimes: a single byte
		errBytes[0] = e
	default:
		return nil, fmt.Errorf("%w: Module error bytes are %T", ErrTypeMismatch, e)
	}
	mod, err := m.ModuleError(palletIndex, errBytes)
	if err != nil {
		return nil, err
	}
	de.Module = mod
	return de, nil
}

func mustField(c Composite, name string) any {
	v, _ := c.Field(name)
	return v
}
