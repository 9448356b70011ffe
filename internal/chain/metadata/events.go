package metadata

import "fmt"

// ModuleError is a pallet error resolved through the metadata.
type ModuleError struct {
	PalletIndex uint8
	Pallet      string
	Index       uint8 // error variant index (first byte of the error bytes)
	Name        string
	Docs        []string
	Bytes       [4]byte // the raw error bytes of DispatchError::Module
}

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
