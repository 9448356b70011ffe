package metadata

import (
	"fmt"

	"github.com/pylon-go/pylon/internal/chain/scale"
)

// The parsers below follow frame-metadata's V14 and V15 definitions field by
// field; type ids are Compact<u32>.

// parser wraps a decoder with the error handling of metadata parsing: the
// first error sticks and later reads return zero values, so the structure of
// each parse function mirrors the Rust definition instead of error plumbing.
type parser struct {
	d   *scale.Decoder
	err error
}

func (p *parser) fail(err error) {
	if p.err == nil {
		p.err = err
	}
}

func (p *parser) u8() uint8 {
	if p.err != nil {
		return 0
	}
	v, err := p.d.U8()
	p.fail(err)
	return v
}

func (p *parser) u32() uint32 {
	if p.err != nil {
		return 0
	}
	v, err := p.d.U32()
	p.fail(err)
	return v
}

func (p *parser) typeID() TypeID {
	if p.err != nil {
		return 0
	}
	v, err := p.d.Compact()
	if err != nil {
		p.fail(err)
		return 0
	}
	if v > 1<<32-1 {
		p.fail(fmt.Errorf("type id %d out of range", v))
		return 0
	}
	return TypeID(v)
}

func (p *parser) str() string {
	if p.err != nil {
		return ""
	}
	v, err := p.d.Str()
	p.fail(err)
	return v
}

func (p *parser) bytes() []byte {
	if p.err != nil {
		return nil
	}
	v, err := p.d.Bytes()
	p.fail(err)
	return append([]byte(nil), v...)
}

func (p *parser) option() bool {
	if p.err != nil {
		return false
	}
	v, err := p.d.Option()
	p.fail(err)
	return v
}

// length reads a vector length whose elements take at least minSize bytes
// each, so a hostile length cannot exceed what the input could hold.
func (p *parser) length(minSize int) int {
	if p.err != nil {
		return 0
	}
	n, err := p.d.Length(minSize)
	p.fail(err)
	return n
}

// capHint bounds preallocation; slices grow further as elements really parse.
func capHint(n int) int { return min(n, 256) }

func (p *parser) strs() []string {
	n := p.length(1)
	if n == 0 {
		return nil
	}
	out := make([]string, 0, capHint(n))
	for i := 0; i < n && p.err == nil; i++ {
		out = append(out, p.str())
	}
	return out
}

func (p *parser) optTypeID() *TypeID {
	if !p.option() {
		return nil
	}
	id := p.typeID()
	return &id
}

func parse(d *scale.Decoder, version uint8) (*Metadata, error) {
	p := &parser{d: d}
	m := &Metadata{Version: version}
	m.Types = p.registry()
	n := p.length(6)
	m.Pallets = make([]*Pallet, 0, capHint(n))
	for i := 0; i < n && p.err == nil; i++ {
		m.Pallets = append(m.Pallets, p.pallet(version))
	}
	m.Extrinsic = p.extrinsic(version)
	m.RuntimeType = p.typeID()
	if version >= 15 {
		n = p.length(3)
		for i := 0; i < n && p.err == nil; i++ {
			m.APIs = append(m.APIs, p.runtimeAPI())
		}
		m.OuterEnums = &OuterEnums{CallType: p.typeID(), EventType: p.typeID(), ErrorType: p.typeID()}
		n = p.length(3)
		m.Custom = make(map[string]CustomValue, capHint(n))
		for i := 0; i < n && p.err == nil; i++ {
			name := p.str()
			m.Custom[name] = CustomValue{Type: p.typeID(), Value: p.bytes()}
		}
	}
	if p.err != nil {
		return nil, p.err
	}
	if version == 14 {
		m.fillV14ExtrinsicTypes()
	}
	if err := m.Types.validate(); err != nil {
		return nil, err
	}
	return m, nil
}

func (p *parser) registry() *Registry {
	// A type takes at least six bytes: id, path, params, kind, definition, docs.
	n := p.length(6)
	r := &Registry{types: make([]Type, 0, capHint(n))}
	for i := 0; i < n && p.err == nil; i++ {
		id := p.typeID()
		if int(id) != i {
			p.fail(fmt.Errorf("type registry entry %d has id %d; ids must be sequential", i, id))
			break
		}
		r.types = append(r.types, Type{ID: id})
		t := &r.types[i]
		t.Path = p.strs()
		np := p.length(2)
		for j := 0; j < np && p.err == nil; j++ {
			t.Params = append(t.Params, TypeParam{Name: p.str(), Type: p.optTypeID()})
		}
		p.typeDef(t)
		t.Docs = p.strs()
	}
	return r
}

func (p *parser) fields() []Field {
	n := p.length(4) // name tag, type, type-name tag, docs
	if n == 0 {
		return nil
	}
	out := make([]Field, 0, capHint(n))
	for i := 0; i < n && p.err == nil; i++ {
		var f Field
		if p.option() {
			f.Name = p.str()
		}
		f.Type = p.typeID()
		if p.option() {
			f.TypeName = p.str()
		}
		f.Docs = p.strs()
		out = append(out, f)
	}
	return out
}

func (p *parser) typeDef(t *Type) {
	kind := p.u8()
	if kind > uint8(KindBitSequence) {
		p.fail(fmt.Errorf("type %d: unknown type definition kind %d", t.ID, kind))
		return
	}
	t.Kind = DefKind(kind)
	switch t.Kind {
	case KindComposite:
		t.Fields = p.fields()
	case KindVariant:
		n := p.length(4) // name, fields, index, docs
		t.Variants = make([]VariantDef, 0, capHint(n))
		var seen [256]bool
		for i := 0; i < n && p.err == nil; i++ {
			v := VariantDef{Name: p.str(), Fields: p.fields(), Index: p.u8(), Docs: p.strs()}
			if seen[v.Index] {
				p.fail(fmt.Errorf("type %d: duplicate variant index %d", t.ID, v.Index))
				return
			}
			seen[v.Index] = true
			t.Variants = append(t.Variants, v)
		}
	case KindSequence, KindCompact:
		t.Elem = p.typeID()
	case KindArray:
		t.Len = p.u32()
		t.Elem = p.typeID()
	case KindTuple:
		n := p.length(1)
		for i := 0; i < n && p.err == nil; i++ {
			t.Tuple = append(t.Tuple, p.typeID())
		}
	case KindPrimitive:
		prim := p.u8()
		if prim > uint8(PrimI256) {
			p.fail(fmt.Errorf("type %d: unknown primitive %d", t.ID, prim))
		}
		t.Primitive = Primitive(prim)
	case KindBitSequence:
		t.BitStore = p.typeID()
		t.BitOrder = p.typeID()
	}
}

func (p *parser) pallet(version uint8) *Pallet {
	pl := &Pallet{Name: p.str()}
	if p.option() {
		pl.StoragePrefix = p.str()
		n := p.length(6)
		for i := 0; i < n && p.err == nil; i++ {
			pl.Storage = append(pl.Storage, p.storageEntry())
		}
	}
	pl.CallType = p.optTypeID()
	pl.EventType = p.optTypeID()
	n := p.length(4)
	for i := 0; i < n && p.err == nil; i++ {
		pl.Constants = append(pl.Constants, &Constant{Name: p.str(), Type: p.typeID(), Value: p.bytes(), Docs: p.strs()})
	}
	pl.ErrorType = p.optTypeID()
	pl.Index = p.u8()
	if version >= 15 {
		pl.Docs = p.strs()
	}
	return pl
}

func (p *parser) storageEntry() *StorageEntry {
	e := &StorageEntry{Name: p.str()}
	switch mod := p.u8(); mod {
	case 0:
		e.Modifier = Optional
	case 1:
		e.Modifier = DefaultValue
	default:
		p.fail(fmt.Errorf("storage %s: unknown modifier %d", e.Name, mod))
	}
	switch kind := p.u8(); kind {
	case 0:
		e.ValueType = p.typeID()
	case 1:
		n := p.length(1)
		for i := 0; i < n && p.err == nil; i++ {
			h := p.u8()
			if h > uint8(Identity) {
				p.fail(fmt.Errorf("storage %s: unknown hasher %d", e.Name, h))
			}
			e.Hashers = append(e.Hashers, Hasher(h))
		}
		e.KeyType = p.typeID()
		e.ValueType = p.typeID()
	default:
		p.fail(fmt.Errorf("storage %s: unknown entry kind %d", e.Name, kind))
	}
	e.Default = p.bytes()
	e.Docs = p.strs()
	return e
}

func (p *parser) extrinsic(version uint8) Extrinsic {
	var x Extrinsic
	if version == 14 {
		x.Type = p.typeID()
		x.Version = p.u8()
	} else {
		x.Version = p.u8()
		x.AddressType = p.typeID()
		x.CallType = p.typeID()
		x.SignatureType = p.typeID()
		x.ExtraType = p.typeID()
	}
	n := p.length(3)
	for i := 0; i < n && p.err == nil; i++ {
		x.SignedExtensions = append(x.SignedExtensions, SignedExtension{Identifier: p.str(), Type: p.typeID(), AdditionalSigned: p.typeID()})
	}
	return x
}

func (p *parser) runtimeAPI() *RuntimeAPI {
	api := &RuntimeAPI{Name: p.str()}
	n := p.length(4)
	for i := 0; i < n && p.err == nil; i++ {
		mm := &RuntimeAPIMethod{API: api.Name, Name: p.str()}
		ni := p.length(2)
		for j := 0; j < ni && p.err == nil; j++ {
			mm.Inputs = append(mm.Inputs, Param{Name: p.str(), Type: p.typeID()})
		}
		mm.Output = p.typeID()
		mm.Docs = p.strs()
		api.Methods = append(api.Methods, mm)
	}
	api.Docs = p.strs()
	return api
}

// fillV14ExtrinsicTypes reads the address, call, signature and extra types from
// the generic parameters of V14's UncheckedExtrinsic type, so V14 and V15
// expose the same Extrinsic fields.
func (m *Metadata) fillV14ExtrinsicTypes() {
	t, err := m.Types.Type(m.Extrinsic.Type)
	if err != nil {
		return
	}
	for _, param := range t.Params {
		if param.Type == nil {
			continue
		}
		switch param.Name {
		case "Address":
			m.Extrinsic.AddressType = *param.Type
		case "Call":
			m.Extrinsic.CallType = *param.Type
		case "Signature":
			m.Extrinsic.SignatureType = *param.Type
		case "Extra":
			m.Extrinsic.ExtraType = *param.Type
		}
	}
}

// validate checks that every type id the registry refers to exists, so that
// later lookups only fail on ids that come from outside the registry.
func (r *Registry) validate() error {
	check := func(owner, id TypeID) error {
		if int(id) >= len(r.types) {
			return fmt.Errorf("type %d refers to unknown type %d", owner, id)
		}
		return nil
	}
	for i := range r.types {
		t := &r.types[i]
		ids := []TypeID{}
		for _, f := range t.Fields {
			ids = append(ids, f.Type)
		}
		for _, v := range t.Variants {
			for _, f := range v.Fields {
				ids = append(ids, f.Type)
			}
		}
		switch t.Kind {
		case KindSequence, KindArray, KindCompact:
			ids = append(ids, t.Elem)
		case KindTuple:
			ids = append(ids, t.Tuple...)
		case KindBitSequence:
			ids = append(ids, t.BitStore, t.BitOrder)
		}
		for _, id := range ids {
			if err := check(t.ID, id); err != nil {
				return err
			}
		}
	}
	return r.checkInlineCycles()
}

// checkInlineCycles rejects types that contain themselves through composites,
// tuples and non-empty arrays only. Such a type has no finite encoding, and a
// decoder following it would recurse without consuming input. Recursion
// through a sequence, enum or compact is fine: each level reads a byte.
func (r *Registry) checkInlineCycles() error {
	state := make([]uint8, len(r.types)) // 0 new, 1 on stack, 2 done
	var visit func(id TypeID) error
	visit = func(id TypeID) error {
		switch state[id] {
		case 1:
			return fmt.Errorf("type %d contains itself", id)
		case 2:
			return nil
		}
		state[id] = 1
		t := &r.types[id]
		var next []TypeID
		switch t.Kind {
		case KindComposite:
			for _, f := range t.Fields {
				next = append(next, f.Type)
			}
		case KindTuple:
			next = t.Tuple
		case KindArray:
			if t.Len > 0 {
				next = []TypeID{t.Elem}
			}
		}
		for _, n := range next {
			if err := visit(n); err != nil {
				return err
			}
		}
		state[id] = 2
		return nil
	}
	for i := range r.types {
		if err := visit(TypeID(i)); err != nil {
			return err
		}
	}
	return nil
}
