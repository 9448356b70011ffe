package subtensor

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/pylon-go/pylon/internal/chain/metadata"
	"github.com/pylon-go/pylon/internal/chain/scale"
)

// The hyperparameter runtime APIs, newest first. The newest one a runtime
// offers is used: v3 returns named entries, so fields added later still
// arrive; v1 and v2 are fixed structs (v2 appends six fields to v1).
const subnetInfoAPI = "SubnetInfoRuntimeApi"

var hyperparamMethods = []string{
	"get_subnet_hyperparams_v3",
	"get_subnet_hyperparams_v2",
	"get_subnet_hyperparams",
}

// ValueKind says how a hyperparameter value is represented.
type ValueKind uint8

// Value kinds.
const (
	// KindBool is a boolean.
	KindBool ValueKind = iota + 1
	// KindUint is an unsigned integer of any width (u16 … u128, balances).
	KindUint
	// KindFixed is a fixed-point number (I32F32, U64F64, …).
	KindFixed
)

// Value is one hyperparameter value as the runtime returned it.
type Value struct {
	Kind ValueKind
	// Bool is set for KindBool.
	Bool bool
	// Uint is set for KindUint; integers up to u128 fit.
	Uint scale.Uint128
	// Fixed is set for KindFixed: the fixed-point value as a float64.
	Fixed float64
}

// Uint64 returns an integer value that fits in 64 bits.
func (v Value) Uint64() (uint64, bool) {
	if v.Kind != KindUint || v.Uint.Hi != 0 {
		return 0, false
	}
	return v.Uint.Lo, true
}

// String renders the value as in JSON: true/false, the exact integer, or the
// shortest decimal of the fixed-point number.
func (v Value) String() string {
	switch v.Kind {
	case KindBool:
		return strconv.FormatBool(v.Bool)
	case KindUint:
		if v.Uint.Hi == 0 {
			return strconv.FormatUint(v.Uint.Lo, 10)
		}
		return v.Uint.String()
	case KindFixed:
		return strconv.FormatFloat(v.Fixed, 'g', -1, 64)
	default:
		return "null"
	}
}

// Hyperparameter is one named hyperparameter.
type Hyperparameter struct {
	Name  string
	Value Value
}

// Hyperparameters are a subnet's hyperparameters at one block: every value
// the runtime returned (Params, in the runtime's order) and, for the callers
// that act on them (the weights runner, the API), the common ones typed.
type Hyperparameters struct {
	Block  BlockInfo
	Netuid uint16
	// Source is the runtime-API method that answered, e.g.
	// "SubnetInfoRuntimeApi_get_subnet_hyperparams_v2".
	Source string
	Params []Hyperparameter

	Tempo                      uint16
	MaxWeightsLimit            uint16
	WeightsVersion             uint64
	WeightsRateLimit           uint64
	CommitRevealWeightsEnabled bool
	CommitRevealPeriod         uint64
	// CommitRevealVersion is storage CommitRevealWeightsVersion (4 unless
	// changed); nil when the runtime has no such item.
	CommitRevealVersion *uint16
}

// Param returns the named hyperparameter.
func (h *Hyperparameters) Param(name string) (Value, bool) {
	for _, p := range h.Params {
		if p.Name == name {
			return p.Value, true
		}
	}
	return Value{}, false
}

// errNoSubnet marks a hyperparameter answer of None: the subnet does not exist.
var errNoSubnet = errors.New("no such subnet")

// fillTyped sets the typed fields from Params. The fields it needs are in
// every version of the API; an answer without one is not usable.
func (h *Hyperparameters) fillTyped() error {
	u := func(name string, limit uint64) (uint64, error) {
		v, ok := h.Param(name)
		if !ok {
			return 0, fmt.Errorf("subtensor: %s answered without %s", h.Source, name)
		}
		x, ok := v.Uint64()
		if !ok || x > limit {
			return 0, fmt.Errorf("subtensor: %s: %s = %s is not an integer up to %d", h.Source, name, v, limit)
		}
		return x, nil
	}
	var err error
	var tempo, mwl uint64
	if tempo, err = u("tempo", math.MaxUint16); err != nil {
		return err
	}
	if mwl, err = u("max_weights_limit", math.MaxUint16); err != nil {
		return err
	}
	h.Tempo, h.MaxWeightsLimit = uint16(tempo), uint16(mwl) //nolint:gosec // G115: both checked against MaxUint16 above
	if h.WeightsVersion, err = u("weights_version", math.MaxUint64); err != nil {
		return err
	}
	if h.WeightsRateLimit, err = u("weights_rate_limit", math.MaxUint64); err != nil {
		return err
	}
	if h.CommitRevealPeriod, err = u("commit_reveal_period", math.MaxUint64); err != nil {
		return err
	}
	v, ok := h.Param("commit_reveal_weights_enabled")
	if !ok || v.Kind != KindBool {
		return fmt.Errorf("subtensor: %s answered without the boolean commit_reveal_weights_enabled", h.Source)
	}
	h.CommitRevealWeightsEnabled = v.Bool
	return nil
}

// decodeHyperparams decodes the answer of one of the hyperparameter methods
// into named values, in the runtime's order. It returns errNoSubnet for None.
//
// Typed answers (the declared output is Option<struct> or, for v3,
// Option<Vec<entry>>) are walked through the runtime's type registry, so
// every field arrives under its Rust name. Answers of runtimes that wrapped
// results in Vec<u8> carry no type information: see decodeOpaqueHyperparams.
func decodeHyperparams(m *metadata.RuntimeAPIMethod, reg *metadata.Registry, raw []byte) ([]Hyperparameter, error) {
	if m.ResultIsOpaqueBytes() {
		var inner []byte
		if err := m.DecodeResult(raw, &inner); err != nil {
			return nil, fmt.Errorf("subtensor: %s: %w", m.FullName(), err)
		}
		return decodeOpaqueHyperparams(inner)
	}
	params, err := decodeTypedHyperparams(reg, m.Output, raw)
	if err != nil && !errors.Is(err, errNoSubnet) {
		return nil, fmt.Errorf("subtensor: %s: %w", m.FullName(), err)
	}
	return params, err
}

// decodeOpaqueHyperparams decodes the content of a Vec<u8>-wrapped answer
// with the v1 layout, the only hyperparameter API the runtimes that wrapped
// their results had. Those runtimes encoded a missing subnet as an empty
// vector rather than None.
func decodeOpaqueHyperparams(inner []byte) ([]Hyperparameter, error) {
	if len(inner) == 0 {
		return nil, errNoSubnet
	}
	var v1 hyperparamsV1
	if err := scale.Unmarshal(inner, &v1); err != nil {
		return nil, fmt.Errorf("subtensor: hyperparameters in the Vec<u8>-wrapped v1 layout: %w", err)
	}
	return v1.params(), nil
}

// decodeTypedHyperparams decodes an Option<SubnetHyperparams…> (v1, v2) or
// Option<Vec<HyperparamEntry>> (v3) answer of declared type out.
func decodeTypedHyperparams(reg *metadata.Registry, out metadata.TypeID, raw []byte) ([]Hyperparameter, error) {
	val, err := reg.Decode(out, raw)
	if err != nil {
		return nil, err
	}
	opt, ok := val.(metadata.Variant)
	if !ok || (opt.Name != "Some" && opt.Name != "None") {
		return nil, fmt.Errorf("output %s is not an Option", reg.Name(out))
	}
	if opt.Name == "None" || len(opt.Fields) != 1 {
		return nil, errNoSubnet
	}
	outTy, err := reg.Type(out)
	if err != nil {
		return nil, err
	}
	some, _ := outTy.VariantByName("Some")
	if some == nil || len(some.Fields) != 1 {
		return nil, fmt.Errorf("output %s: Option without a Some field", reg.Name(out))
	}
	switch v := opt.Fields[0].Value.(type) {
	case metadata.Composite: // v1, v2: a struct
		return structParams(reg, some.Fields[0].Type, v)
	case metadata.Sequence: // v3: named entries
		return entryParams(v)
	default:
		return nil, fmt.Errorf("output %s: unexpected value %T", reg.Name(out), v)
	}
}

// structParams turns a decoded hyperparameter struct into named values,
// reading each field's declared type for fixed-point formats.
func structParams(reg *metadata.Registry, id metadata.TypeID, c metadata.Composite) ([]Hyperparameter, error) {
	ty, err := reg.Type(id)
	if err != nil {
		return nil, err
	}
	if ty.Kind != metadata.KindComposite || len(ty.Fields) != len(c.Fields) {
		return nil, fmt.Errorf("subtensor: hyperparameters type %s is not the decoded struct", reg.Name(id))
	}
	out := make([]Hyperparameter, 0, len(c.Fields))
	for i, f := range c.Fields {
		v, err := plainValue(f.Value, fixedFrac(reg, ty.Fields[i]))
		if err != nil {
			return nil, fmt.Errorf("subtensor: hyperparameter %s: %w", f.Name, err)
		}
		out = append(out, Hyperparameter{Name: f.Name, Value: v})
	}
	return out, nil
}

// fixedNameRE matches substrate_fixed aliases such as I32F32 or U64F64.
var fixedNameRE = regexp.MustCompile(`^[IU](\d+)F(\d+)$`)

// fixedFrac returns the number of fraction bits of a fixed-point field, or -1
// when the field is not fixed-point. The Rust alias the field was declared
// with (I32F32) says it; substrate_fixed's types without one default to half
// their width, the only layout subtensor uses.
func fixedFrac(reg *metadata.Registry, f metadata.Field) int {
	if m := fixedNameRE.FindStringSubmatch(f.TypeName); m != nil {
		n, _ := strconv.Atoi(m[2])
		return n
	}
	ty, err := reg.Type(f.Type)
	if err != nil || len(ty.Path) == 0 || ty.Path[0] != "substrate_fixed" {
		return -1
	}
	switch ty.Path[len(ty.Path)-1] {
	case "FixedI64", "FixedU64":
		return 32
	case "FixedI128", "FixedU128":
		return 64
	}
	return -1
}

// plainValue converts a decoded scalar (or a fixed-point struct when frac ≥ 0).
func plainValue(v any, frac int) (Value, error) {
	if frac >= 0 {
		if c, ok := v.(metadata.Composite); ok && len(c.Fields) == 1 {
			v = c.Fields[0].Value
		}
		f, ok := fixedValue(v, frac)
		if !ok {
			return Value{}, fmt.Errorf("fixed-point value of type %T", v)
		}
		return Value{Kind: KindFixed, Fixed: f}, nil
	}
	switch x := v.(type) {
	case bool:
		return Value{Kind: KindBool, Bool: x}, nil
	case uint8:
		return uintValue(uint64(x)), nil
	case uint16:
		return uintValue(uint64(x)), nil
	case uint32:
		return uintValue(uint64(x)), nil
	case uint64:
		return uintValue(x), nil
	case scale.Uint128:
		return Value{Kind: KindUint, Uint: x}, nil
	case metadata.Composite:
		// A newtype around an integer (TaoCurrency, AlphaCurrency).
		if len(x.Fields) == 1 {
			return plainValue(x.Fields[0].Value, -1)
		}
	}
	return Value{}, fmt.Errorf("unsupported value of type %T", v)
}

func uintValue(x uint64) Value { return Value{Kind: KindUint, Uint: scale.Uint128From64(x)} }

// fixedValue converts fixed-point bits to a float64.
func fixedValue(v any, frac int) (float64, bool) {
	var bits *big.Float
	switch x := v.(type) {
	case int64:
		bits = new(big.Float).SetInt64(x)
	case uint64:
		bits = new(big.Float).SetUint64(x)
	case scale.Int128:
		bits = new(big.Float).SetInt(x.Big())
	case scale.Uint128:
		bits = new(big.Float).SetInt(x.Big())
	default:
		return 0, false
	}
	f, _ := bits.SetMantExp(bits, -frac).Float64()
	return f, true
}

// entryParams reads v3's Vec<HyperparamEntry{name, value}>, where value is
// an enum naming its representation (Bool, U16, …, TaoBalance, I32F32,
// U64F64).
func entryParams(seq metadata.Sequence) ([]Hyperparameter, error) {
	out := make([]Hyperparameter, 0, len(seq))
	for i, e := range seq {
		c, ok := e.(metadata.Composite)
		if !ok {
			return nil, fmt.Errorf("subtensor: hyperparameter entry %d is %T", i, e)
		}
		rawName, _ := c.Field("name")
		var name string
		switch n := rawName.(type) {
		case []byte:
			name = string(n)
		case string:
			name = n
		default:
			return nil, fmt.Errorf("subtensor: hyperparameter entry %d has no name", i)
		}
		rawVal, _ := c.Field("value")
		vv, ok := rawVal.(metadata.Variant)
		if !ok || len(vv.Fields) != 1 {
			return nil, fmt.Errorf("subtensor: hyperparameter %s: value is %T", name, rawVal)
		}
		frac := -1
		if m := fixedNameRE.FindStringSubmatch(vv.Name); m != nil {
			frac, _ = strconv.Atoi(m[2])
		}
		v, err := plainValue(vv.Fields[0].Value, frac)
		if err != nil {
			return nil, fmt.Errorf("subtensor: hyperparameter %s (%s): %w", name, vv.Name, err)
		}
		out = append(out, Hyperparameter{Name: name, Value: v})
	}
	return out, nil
}

// hyperparamsV1 is SubnetHyperparams, the v1 layout (CHAIN.md §5.4), for
// runtimes that return it wrapped in Vec<u8>. The first `scale` tag element
// is the runtime's field name.
type hyperparamsV1 struct {
	Rho                        uint16 `scale:"rho,compact"`
	Kappa                      uint16 `scale:"kappa,compact"`
	ImmunityPeriod             uint16 `scale:"immunity_period,compact"`
	MinAllowedWeights          uint16 `scale:"min_allowed_weights,compact"`
	MaxWeightsLimit            uint16 `scale:"max_weights_limit,compact"`
	Tempo                      uint16 `scale:"tempo,compact"`
	MinDifficulty              uint64 `scale:"min_difficulty,compact"`
	MaxDifficulty              uint64 `scale:"max_difficulty,compact"`
	WeightsVersion             uint64 `scale:"weights_version,compact"`
	WeightsRateLimit           uint64 `scale:"weights_rate_limit,compact"`
	AdjustmentInterval         uint16 `scale:"adjustment_interval,compact"`
	ActivityCutoff             uint16 `scale:"activity_cutoff,compact"`
	RegistrationAllowed        bool   `scale:"registration_allowed"`
	TargetRegsPerInterval      uint16 `scale:"target_regs_per_interval,compact"`
	MinBurn                    uint64 `scale:"min_burn,compact"`
	MaxBurn                    uint64 `scale:"max_burn,compact"`
	BondsMovingAvg             uint64 `scale:"bonds_moving_avg,compact"`
	MaxRegsPerBlock            uint16 `scale:"max_regs_per_block,compact"`
	ServingRateLimit           uint64 `scale:"serving_rate_limit,compact"`
	MaxValidators              uint16 `scale:"max_validators,compact"`
	AdjustmentAlpha            uint64 `scale:"adjustment_alpha,compact"`
	Difficulty                 uint64 `scale:"difficulty,compact"`
	CommitRevealPeriod         uint64 `scale:"commit_reveal_period,compact"`
	CommitRevealWeightsEnabled bool   `scale:"commit_reveal_weights_enabled"`
	AlphaHigh                  uint16 `scale:"alpha_high,compact"`
	AlphaLow                   uint16 `scale:"alpha_low,compact"`
	LiquidAlphaEnabled         bool   `scale:"liquid_alpha_enabled"`
}

// params lists the fields under their runtime names, in layout order.
func (h *hyperparamsV1) params() []Hyperparameter {
	v := reflect.ValueOf(h).Elem()
	t := v.Type()
	out := make([]Hyperparameter, 0, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("scale"), ",")
		f := v.Field(i)
		var val Value
		if f.Kind() == reflect.Bool {
			val = Value{Kind: KindBool, Bool: f.Bool()}
		} else {
			val = uintValue(f.Uint())
		}
		out = append(out, Hyperparameter{Name: name, Value: val})
	}
	return out
}
