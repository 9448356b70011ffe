package metadata

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/pylon-go/pylon/internal/chain/scale"
)

// Errors callers branch on.
var (
	// ErrUnsupportedVersion means the metadata version is neither 14 nor 15.
	ErrUnsupportedVersion = errors.New("metadata: unsupported metadata version")
	// ErrInvalidMetadata means the metadata bytes are malformed.
	ErrInvalidMetadata = errors.New("metadata: invalid metadata")
	// ErrNoMetadata means Metadata_metadata_at_version answered None.
	ErrNoMetadata = errors.New("metadata: runtime has no metadata of the requested version")
	// ErrNotFound means a pallet, call, storage entry, constant, error or
	// runtime-API method does not exist in this runtime.
	ErrNotFound = errors.New("metadata: not found")
	// ErrUnknownType means a type id is not in the registry.
	ErrUnknownType = errors.New("metadata: unknown type id")
	// ErrTypeMismatch means a value or Go type does not fit a registry type.
	ErrTypeMismatch = errors.New("metadata: value does not match type")
)

// magic is "meta", the first four bytes of RuntimeMetadataPrefixed.
const magic = 0x6174656d

// Metadata is the decoded runtime metadata of one runtime version. It is
// immutable after Decode and safe for concurrent use.
type Metadata struct {
	// Version is the metadata format version (14 or 15).
	Version uint8
	// Types is the portable type registry.
	Types *Registry
	// Pallets in metadata order.
	Pallets []*Pallet
	// Extrinsic describes the extrinsic format and its signed extensions.
	Extrinsic Extrinsic
	// RuntimeType is the type of the runtime itself (informative).
	RuntimeType TypeID
	// APIs are the runtime APIs (V15 only; nil for V14).
	APIs []*RuntimeAPI
	// OuterEnums are the RuntimeCall, RuntimeEvent and RuntimeError types
	// (V15 only; nil for V14).
	OuterEnums *OuterEnums
	// Custom holds the V15 custom metadata section.
	Custom map[string]CustomValue

	palletByName  map[string]*Pallet
	palletByIndex map[uint8]*Pallet
	apiMethods    map[string]*RuntimeAPIMethod
}

// Pallet is one pallet (module) of the runtime.
type Pallet struct {
	Name  string
	Index uint8
	// StoragePrefix is the storage prefix of the pallet's entries (usually Name).
	StoragePrefix string
	Storage       []*StorageEntry
	Calls         []*Call
	Constants     []*Constant
	// CallType, EventType and ErrorType are the pallet's enums, or nil.
	CallType  *TypeID
	EventType *TypeID
	ErrorType *TypeID
	Docs      []string // V15 only

	md            *Metadata
	storageByName map[string]*StorageEntry
	callByName    map[string]*Call
	constByName   map[string]*Constant
}

// Call is one dispatchable function of a pallet.
type Call struct {
	Pallet *Pallet
	Name   string
	Args   []Field
	Docs   []string
	index  uint8
}

// Index returns the call's two-byte index: pallet index, call variant index.
func (c *Call) Index() [2]byte { return [2]byte{c.Pallet.Index, c.index} }

// Constant is a pallet constant with its SCALE-encoded value.
type Constant struct {
	Pallet *Pallet
	Name   string
	Type   TypeID
	Value  []byte
	Docs   []string
}

// Extrinsic describes the extrinsic format.
type Extrinsic struct {
	Version uint8
	// Type is the UncheckedExtrinsic type (V14 only).
	Type TypeID
	// AddressType, CallType, SignatureType and ExtraType are given by V15
	// directly; for V14 they are read from the UncheckedExtrinsic type's
	// generic parameters (when present).
	AddressType, CallType, SignatureType, ExtraType TypeID
	SignedExtensions                                []SignedExtension
}

// SignedExtension is one transaction extension: its extra data (Type) goes
// into the extrinsic, its AdditionalSigned data only into the signing payload.
type SignedExtension struct {
	Identifier       string
	Type             TypeID
	AdditionalSigned TypeID
}

// RuntimeAPI is one runtime API trait (V15).
type RuntimeAPI struct {
	Name    string
	Methods []*RuntimeAPIMethod
	Docs    []string
}

// RuntimeAPIMethod is one method of a runtime API.
type RuntimeAPIMethod struct {
	API    string
	Name   string
	Inputs []Param
	Output TypeID
	Docs   []string
	md     *Metadata
}

// Param is a named, typed runtime-API input.
type Param struct {
	Name string
	Type TypeID
}

// OuterEnums are the runtime's aggregate enums (V15).
type OuterEnums struct {
	CallType, EventType, ErrorType TypeID
}

// CustomValue is an entry of the V15 custom metadata section.
type CustomValue struct {
	Type  TypeID
	Value []byte
}

// DecodeHex decodes metadata given as a hex string with or without "0x", as
// returned by state_getMetadata or state_call.
func DecodeHex(s string) (*Metadata, error) {
	b, err := hex.DecodeString(strings.TrimPrefix(strings.TrimSpace(s), "0x"))
	if err != nil {
		return nil, fmt.Errorf("%w: hex: %w", ErrInvalidMetadata, err)
	}
	return Decode(b)
}

// Decode decodes runtime metadata. It accepts the three forms the node
// serves: RuntimeMetadataPrefixed itself ("meta" ‖ version ‖ metadata, from
// state_getMetadata), the Option<Vec<u8>> answer of
// Metadata_metadata_at_version (0x01 ‖ Compact(len) ‖ "meta" …; 0x00 gives
// ErrNoMetadata) and the OpaqueMetadata Vec<u8> answer of Metadata_metadata.
func Decode(b []byte) (*Metadata, error) {
	inner, err := unwrap(b)
	if err != nil {
		return nil, err
	}
	d := scale.NewDecoder(inner[4:])
	version, err := d.U8()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidMetadata, err)
	}
	if version != 14 && version != 15 {
		return nil, fmt.Errorf("%w: V%d (supported: V14, V15)", ErrUnsupportedVersion, version)
	}
	md, err := parse(d, version)
	if err != nil {
		return nil, fmt.Errorf("%w: V%d at offset %d: %w", ErrInvalidMetadata, version, d.Offset()+5, err)
	}
	if err := d.Finish(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidMetadata, err)
	}
	if err := md.index(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidMetadata, err)
	}
	return md, nil
}

func hasMagic(b []byte) bool {
	return len(b) >= 4 && uint32(b[0])|uint32(b[1])<<8|uint32(b[2])<<16|uint32(b[3])<<24 == magic
}

func unwrap(b []byte) ([]byte, error) {
	if hasMagic(b) {
		return b, nil
	}
	if len(b) == 1 && b[0] == 0 {
		return nil, ErrNoMetadata
	}
	// Vec<u8> with the Option tag (at_version) or without it (metadata()).
	for _, skip := range []int{1, 0} {
		if len(b) <= skip || (skip == 1 && b[0] != 1) {
			continue
		}
		d := scale.NewDecoder(b[skip:])
		n, err := d.Length(1)
		if err == nil && n == d.Remaining() && hasMagic(d.Rest()) {
			return d.Rest(), nil
		}
	}
	return nil, fmt.Errorf("%w: no \"meta\" magic (neither prefixed metadata nor a wrapped byte vector)", ErrInvalidMetadata)
}

// Pallet returns the pallet with the given name.
func (m *Metadata) Pallet(name string) (*Pallet, error) {
	if p, ok := m.palletByName[name]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("%w: pallet %q", ErrNotFound, name)
}

// PalletByIndex returns the pallet with the given index.
func (m *Metadata) PalletByIndex(index uint8) (*Pallet, error) {
	if p, ok := m.palletByIndex[index]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("%w: pallet index %d", ErrNotFound, index)
}

// Call returns a pallet's call by name.
func (m *Metadata) Call(pallet, call string) (*Call, error) {
	p, err := m.Pallet(pallet)
	if err != nil {
		return nil, err
	}
	return p.Call(call)
}

// StorageEntry returns a pallet's storage entry by name.
func (m *Metadata) StorageEntry(pallet, item string) (*StorageEntry, error) {
	p, err := m.Pallet(pallet)
	if err != nil {
		return nil, err
	}
	return p.StorageEntry(item)
}

// Constant returns a pallet's constant by name.
func (m *Metadata) Constant(pallet, name string) (*Constant, error) {
	p, err := m.Pallet(pallet)
	if err != nil {
		return nil, err
	}
	return p.Constant(name)
}

// RuntimeAPIMethod returns a runtime-API method (V15 only).
func (m *Metadata) RuntimeAPIMethod(api, method string) (*RuntimeAPIMethod, error) {
	if mm, ok := m.apiMethods[api+"_"+method]; ok {
		return mm, nil
	}
	if m.Version < 15 {
		return nil, fmt.Errorf("%w: runtime API %s_%s (V%d metadata has no runtime APIs)", ErrNotFound, api, method, m.Version)
	}
	return nil, fmt.Errorf("%w: runtime API %s_%s", ErrNotFound, api, method)
}

// RuntimeAPIMethodByName returns a runtime-API method by its state_call name,
// e.g. "Metadata_metadata_at_version".
func (m *Metadata) RuntimeAPIMethodByName(name string) (*RuntimeAPIMethod, error) {
	if mm, ok := m.apiMethods[name]; ok {
		return mm, nil
	}
	return nil, fmt.Errorf("%w: runtime API method %s", ErrNotFound, name)
}

// Call returns the pallet's call by name.
func (p *Pallet) Call(name string) (*Call, error) {
	if c, ok := p.callByName[name]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("%w: call %s.%s", ErrNotFound, p.Name, name)
}

// StorageEntry returns the pallet's storage entry by name.
func (p *Pallet) StorageEntry(name string) (*StorageEntry, error) {
	if e, ok := p.storageByName[name]; ok {
		return e, nil
	}
	return nil, fmt.Errorf("%w: storage %s.%s", ErrNotFound, p.Name, name)
}

// Constant returns the pallet's constant by name.
func (p *Pallet) Constant(name string) (*Constant, error) {
	if c, ok := p.constByName[name]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("%w: constant %s.%s", ErrNotFound, p.Name, name)
}

// Decode decodes the constant's value into dst (see Registry.DecodeInto).
func (c *Constant) Decode(dst any) error {
	if err := c.Pallet.md.Types.DecodeInto(c.Type, c.Value, dst); err != nil {
		return fmt.Errorf("constant %s.%s: %w", c.Pallet.Name, c.Name, err)
	}
	return nil
}

// FullName returns the method's state_call name, e.g. "Metadata_metadata_at_version".
func (mm *RuntimeAPIMethod) FullName() string { return mm.API + "_" + mm.Name }

// index builds the name indexes and the per-pallet call lists once.
func (m *Metadata) index() error {
	m.palletByName = make(map[string]*Pallet, len(m.Pallets))
	m.palletByIndex = make(map[uint8]*Pallet, len(m.Pallets))
	for _, p := range m.Pallets {
		p.md = m
		if _, dup := m.palletByIndex[p.Index]; dup {
			return fmt.Errorf("duplicate pallet index %d", p.Index)
		}
		m.palletByName[p.Name] = p
		m.palletByIndex[p.Index] = p
		p.storageByName = make(map[string]*StorageEntry, len(p.Storage))
		for _, e := range p.Storage {
			e.Pallet = p
			p.storageByName[e.Name] = e
		}
		p.constByName = make(map[string]*Constant, len(p.Constants))
		for _, c := range p.Constants {
			c.Pallet = p
			p.constByName[c.Name] = c
		}
		p.callByName = map[string]*Call{}
		if p.CallType != nil {
			t, err := m.Types.Type(*p.CallType)
			if err != nil {
				return fmt.Errorf("pallet %s calls: %w", p.Name, err)
			}
			if t.Kind != KindVariant {
				return fmt.Errorf("pallet %s call type %d is a %s, not an enum", p.Name, t.ID, t.Kind)
			}
			for _, v := range t.Variants {
				c := &Call{Pallet: p, Name: v.Name, Args: v.Fields, Docs: v.Docs, index: v.Index}
				p.Calls = append(p.Calls, c)
				p.callByName[c.Name] = c
			}
		}
	}
	m.apiMethods = map[string]*RuntimeAPIMethod{}
	for _, api := range m.APIs {
		for _, mm := range api.Methods {
			mm.md = m
			m.apiMethods[mm.FullName()] = mm
		}
	}
	return nil
}
