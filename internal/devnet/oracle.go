package devnet

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// Oracle is a long-lived polkadot-js process (devnet/oracle.mjs) answering line-delimited JSON
// requests: an implementation independent of the Go chain code, used to check what that code did.
// Its methods are safe for concurrent use.
type Oracle struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	logPath string

	writeMu sync.Mutex
	nextID  atomic.Int64

	mu      sync.Mutex
	pending map[int64]chan oracleResponse
	dead    error // set when the process is gone

	exited chan struct{}
}

type oracleResponse struct {
	ID     int64           `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *string         `json:"error"`
}

// OracleError is an error reported by polkadot-js (a failed read, a dispatch error of a setup
// transaction, …).
type OracleError struct {
	Method  string
	Message string
}

func (e *OracleError) Error() string { return fmt.Sprintf("devnet oracle %s: %s", e.Method, e.Message) }

func startOracle(ctx context.Context, node string, d *Devnet) (*Oracle, error) {
	logPath := filepath.Join(d.Dir, "oracle.log")
	logFile, err := os.Create(logPath) //nolint:gosec // G304: inside the devnet's working directory
	if err != nil {
		return nil, fmt.Errorf("devnet oracle: %w", err)
	}
	defer logFile.Close()
	args := []string{filepath.Join(d.devnetDir, "oracle.mjs"), "--endpoint", d.URL}
	if d.Mode == Instant {
		args = append(args, "--instant")
	}
	// The oracle lives as long as the devnet, not the start context.
	cmd := exec.CommandContext(context.WithoutCancel(ctx), node, args...) //nolint:gosec // G204: node with paths this package built
	cmd.Dir = d.devnetDir
	cmd.Stderr = logFile
	cmd.SysProcAttr = childAttr()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("devnet oracle: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("devnet oracle: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("devnet oracle: start: %w", err)
	}
	o := &Oracle{
		cmd:     cmd,
		stdin:   stdin,
		logPath: logPath,
		pending: map[int64]chan oracleResponse{0: make(chan oracleResponse, 1)}, // id 0: "ready"
		exited:  make(chan struct{}),
	}
	ready := o.pending[0]
	go o.read(stdout)
	select {
	case r := <-ready:
		if r.Error != nil {
			_ = o.close()
			return nil, fmt.Errorf("devnet oracle: %s", *r.Error)
		}
		return o, nil
	case <-ctx.Done():
		_ = o.close()
		return nil, fmt.Errorf("devnet oracle: start: %w", ctx.Err())
	case <-time.After(90 * time.Second):
		_ = o.close()
		return nil, fmt.Errorf("devnet oracle: not ready after 90 s; log %s:\n%s", logPath, tail(logPath, 20))
	}
}

func (o *Oracle) read(stdout io.Reader) {
	r := bufio.NewReaderSize(stdout, 1<<20)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			var resp oracleResponse
			if jerr := json.Unmarshal(line, &resp); jerr == nil {
				o.mu.Lock()
				ch := o.pending[resp.ID]
				delete(o.pending, resp.ID)
				o.mu.Unlock()
				if ch != nil {
					ch <- resp
				}
			}
		}
		if err != nil {
			break
		}
	}
	werr := o.cmd.Wait()
	o.mu.Lock()
	o.dead = fmt.Errorf("devnet oracle %s; log %s:\n%s", exitStatus(werr), o.logPath, tail(o.logPath, 20))
	for id, ch := range o.pending {
		msg := o.dead.Error()
		ch <- oracleResponse{ID: id, Error: &msg}
		delete(o.pending, id)
	}
	o.mu.Unlock()
	close(o.exited)
}

// close ends the oracle: EOF on stdin makes it disconnect and exit; SIGKILL after 10 s.
func (o *Oracle) close() error {
	_ = o.stdin.Close()
	select {
	case <-o.exited:
	case <-time.After(10 * time.Second):
		_ = o.cmd.Process.Kill()
		<-o.exited
	}
	return nil
}

// Do sends one request and decodes its result into out (nil = ignore). It is the generic form
// behind every other method; see devnet/oracle.mjs for the methods and their params.
func (o *Oracle) Do(ctx context.Context, method string, params, out any) error {
	id := o.nextID.Add(1)
	ch := make(chan oracleResponse, 1)
	o.mu.Lock()
	if o.dead != nil {
		err := o.dead
		o.mu.Unlock()
		return err
	}
	o.pending[id] = ch
	o.mu.Unlock()

	line, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err != nil {
		o.forget(id)
		return fmt.Errorf("devnet oracle %s: %w", method, err)
	}
	o.writeMu.Lock()
	_, err = o.stdin.Write(append(line, '\n'))
	o.writeMu.Unlock()
	if err != nil {
		o.forget(id)
		return fmt.Errorf("devnet oracle %s: %w", method, err)
	}
	select {
	case r := <-ch:
		if r.Error != nil {
			return &OracleError{Method: method, Message: *r.Error}
		}
		if out != nil {
			if err := json.Unmarshal(r.Result, out); err != nil {
				return fmt.Errorf("devnet oracle %s result: %w", method, err)
			}
		}
		return nil
	case <-ctx.Done():
		o.forget(id) // a late answer is dropped
		return fmt.Errorf("devnet oracle %s: %w", method, ctx.Err())
	}
}

func (o *Oracle) forget(id int64) {
	o.mu.Lock()
	delete(o.pending, id)
	o.mu.Unlock()
}

// ReadOptions qualify generic reads.
type ReadOptions struct {
	// At is a block hash ("" = best block).
	At string `json:"at,omitempty"`
	// Format is polkadot-js' rendering: "json" (toJSON, default), "human", "primitive" or "hex".
	Format string `json:"format,omitempty"`
	// Decode names a SCALE type to decode a Bytes runtime-API result as (spec 218 wraps every
	// runtime-API result in Vec<u8>), e.g. "Vec<NeuronInfoLite>". Only for Call.
	Decode string `json:"decode,omitempty"`
}

type readParams struct {
	Path string `json:"path"`
	Args []any  `json:"args"`
	ReadOptions
}

func argsOrEmpty(args []any) []any {
	if args == nil {
		return []any{}
	}
	return args
}

// Query reads a storage item: path "query.<pallet>.<item>" (polkadot-js names, camelCase, e.g.
// "query.subtensorModule.weights"), args its keys. Result as polkadot-js toJSON.
func (o *Oracle) Query(ctx context.Context, path string, args ...any) (json.RawMessage, error) {
	return o.QueryWith(ctx, ReadOptions{}, path, args...)
}

// QueryWith is Query at a block and/or in another format.
func (o *Oracle) QueryWith(ctx context.Context, opt ReadOptions, path string, args ...any) (json.RawMessage, error) {
	var out json.RawMessage
	err := o.Do(ctx, "query", readParams{Path: path, Args: argsOrEmpty(args), ReadOptions: opt}, &out)
	return out, err
}

// Entry is one key/value of a storage map.
type Entry struct {
	Key   []json.RawMessage `json:"key"`
	Value json.RawMessage   `json:"value"`
}

// Entries lists a storage map (args: a key prefix, e.g. the netuid of a double map).
func (o *Oracle) Entries(ctx context.Context, path string, args ...any) ([]Entry, error) {
	var out []Entry
	err := o.Do(ctx, "entries", readParams{Path: path, Args: argsOrEmpty(args)}, &out)
	return out, err
}

// Call calls a runtime API: path "call.<api>.<method>" (e.g. "call.neuronInfoRuntimeApi.getNeuronsLite").
// Spec 218 declares every subtensor runtime-API output as Bytes: the result is then the hex of the
// Vec<u8> content (the SCALE payload, itself starting with its compact length). Use CallWith and
// ReadOptions.Decode (e.g. "Vec<NeuronInfoLite>") to decode the payload, or NeuronsLite.
func (o *Oracle) Call(ctx context.Context, path string, args ...any) (json.RawMessage, error) {
	return o.CallWith(ctx, ReadOptions{}, path, args...)
}

// CallWith is Call at a block, in another format, or decoding a Bytes result as a named type.
func (o *Oracle) CallWith(ctx context.Context, opt ReadOptions, path string, args ...any) (json.RawMessage, error) {
	var out json.RawMessage
	err := o.Do(ctx, "call", readParams{Path: path, Args: argsOrEmpty(args), ReadOptions: opt}, &out)
	return out, err
}

// Const reads a runtime constant ("consts.<pallet>.<name>").
func (o *Oracle) Const(ctx context.Context, path string) (json.RawMessage, error) {
	var out json.RawMessage
	err := o.Do(ctx, "const", map[string]any{"path": path}, &out)
	return out, err
}

// Ping checks that the oracle answers.
func (o *Oracle) Ping(ctx context.Context) error { return o.Do(ctx, "ping", struct{}{}, nil) }

// BlockRef names a block.
type BlockRef struct {
	Number uint64 `json:"number"`
	Hash   string `json:"hash"`
}

// Head is the best block as polkadot-js sees it.
func (o *Oracle) Head(ctx context.Context) (BlockRef, error) {
	var out BlockRef
	err := o.Do(ctx, "head", struct{}{}, &out)
	return out, err
}

// UIDWeight is one stored weight (values as stored: max-upscaled u16).
type UIDWeight struct {
	UID    uint16 `json:"uid"`
	Weight uint16 `json:"weight"`
}

type subnetParams struct {
	Netuid uint16 `json:"netuid"`
	UID    *int   `json:"uid,omitempty"`
	Hotkey string `json:"hotkey,omitempty"`
	At     string `json:"at,omitempty"`
}

// Weights reads Weights(netuid, uid) at a block ("" = best).
func (o *Oracle) Weights(ctx context.Context, netuid, uid uint16, at string) ([]UIDWeight, error) {
	u := int(uid)
	var out []UIDWeight
	err := o.Do(ctx, "weights", subnetParams{Netuid: netuid, UID: &u, At: at}, &out)
	return out, err
}

// ValidatorPermits reads ValidatorPermit(netuid), indexed by uid.
func (o *Oracle) ValidatorPermits(ctx context.Context, netuid uint16, at string) ([]bool, error) {
	var out []bool
	err := o.Do(ctx, "permits", subnetParams{Netuid: netuid, At: at}, &out)
	return out, err
}

// UIDHotkey is one Keys(netuid, uid) entry.
type UIDHotkey struct {
	UID    uint16 `json:"uid"`
	Hotkey string `json:"hotkey"`
}

// Hotkeys lists Keys(netuid, *) ordered by uid.
func (o *Oracle) Hotkeys(ctx context.Context, netuid uint16, at string) ([]UIDHotkey, error) {
	var out []UIDHotkey
	err := o.Do(ctx, "uids", subnetParams{Netuid: netuid, At: at}, &out)
	return out, err
}

// UID reads Uids(netuid, hotkey); ok is false when the hotkey is not registered.
func (o *Oracle) UID(ctx context.Context, netuid uint16, hotkey, at string) (uid uint16, ok bool, err error) {
	var out *uint16
	if err := o.Do(ctx, "uid", subnetParams{Netuid: netuid, Hotkey: hotkey, At: at}, &out); err != nil {
		return 0, false, err
	}
	if out == nil {
		return 0, false, nil
	}
	return *out, true, nil
}

// Axon is an AxonInfo as stored, with the IP rendered (IPInt is the u128 in decimal).
type Axon struct {
	IP           string `json:"ip"`
	IPInt        string `json:"ipInt,omitempty"`
	Port         uint16 `json:"port"`
	IPType       uint8  `json:"ipType"`
	Protocol     uint8  `json:"protocol"`
	Version      uint32 `json:"version"`
	Block        uint64 `json:"block"`
	Placeholder1 uint8  `json:"placeholder1"`
	Placeholder2 uint8  `json:"placeholder2"`
}

// Axon reads Axons(netuid, hotkey); nil when none was served.
func (o *Oracle) Axon(ctx context.Context, netuid uint16, hotkey, at string) (*Axon, error) {
	var out *Axon
	err := o.Do(ctx, "axon", subnetParams{Netuid: netuid, Hotkey: hotkey, At: at}, &out)
	return out, err
}

// Certificate is a NeuronCertificate: algorithm (1 = Ed25519) and public key (0x hex). Seed is set
// only in a World (the bootstrap's deterministic certificate key).
type Certificate struct {
	Algorithm uint8  `json:"algorithm"`
	PublicKey string `json:"publicKey"`
	Seed      string `json:"seed,omitempty"`
}

// Certificate reads NeuronCertificates(netuid, hotkey); nil when none is stored.
func (o *Oracle) Certificate(ctx context.Context, netuid uint16, hotkey, at string) (*Certificate, error) {
	var out *Certificate
	err := o.Do(ctx, "certificate", subnetParams{Netuid: netuid, Hotkey: hotkey, At: at}, &out)
	return out, err
}

// WeightCommit is one entry of WeightCommits(netuid, hotkey) (commit-reveal v2).
type WeightCommit struct {
	Hash             string `json:"hash"`
	CommitBlock      uint64 `json:"commitBlock"`
	FirstRevealBlock uint64 `json:"firstRevealBlock"`
	LastRevealBlock  uint64 `json:"lastRevealBlock"`
}

// WeightCommits reads WeightCommits(netuid, hotkey); empty when there are none.
func (o *Oracle) WeightCommits(ctx context.Context, netuid uint16, hotkey, at string) ([]WeightCommit, error) {
	var out []WeightCommit
	err := o.Do(ctx, "commits", subnetParams{Netuid: netuid, Hotkey: hotkey, At: at}, &out)
	return out, err
}

// Event is one System.Events record. Index is the extrinsic index for ApplyExtrinsic phases.
type Event struct {
	Phase   string          `json:"phase"`
	Index   *int            `json:"index"`
	Section string          `json:"section"`
	Method  string          `json:"method"`
	Data    json.RawMessage `json:"data"`
}

// Name is "section.Method", e.g. "subtensorModule.WeightsSet".
func (e Event) Name() string { return e.Section + "." + e.Method }

// Events reads System.Events at a block ("" = best).
func (o *Oracle) Events(ctx context.Context, at string) ([]Event, error) {
	var out []Event
	err := o.Do(ctx, "events", map[string]any{"at": at}, &out)
	return out, err
}

// RuntimeVersion is the part of state_getRuntimeVersion tests look at.
type RuntimeVersion struct {
	SpecName           string `json:"specName"`
	SpecVersion        uint32 `json:"specVersion"`
	TransactionVersion uint32 `json:"transactionVersion"`
}

// RuntimeVersion reads state_getRuntimeVersion at a block ("" = best) through polkadot-js.
func (o *Oracle) RuntimeVersion(ctx context.Context, at string) (RuntimeVersion, error) {
	var out RuntimeVersion
	params := map[string]any{}
	if at != "" {
		params["at"] = at
	}
	err := o.Do(ctx, "runtimeVersion", params, &out)
	return out, err
}

// NeuronLite is one NeuronInfoRuntimeApi_get_neurons_lite entry as decoded by polkadot-js (u64 and
// u128 fields as decimal strings where they may exceed 2^53).
type NeuronLite struct {
	Hotkey   string `json:"hotkey"`
	Coldkey  string `json:"coldkey"`
	UID      uint16 `json:"uid"`
	Netuid   uint16 `json:"netuid"`
	Active   bool   `json:"active"`
	AxonInfo struct {
		Block    uint64 `json:"block"`
		Version  uint32 `json:"version"`
		IP       string `json:"ip"`
		Port     uint16 `json:"port"`
		IPType   uint8  `json:"ip_type"`
		Protocol uint8  `json:"protocol"`
	} `json:"axon_info"`
	Stake           [][2]string `json:"stake"`
	Emission        string      `json:"emission"`
	Incentive       uint16      `json:"incentive"`
	Consensus       uint16      `json:"consensus"`
	Dividends       uint16      `json:"dividends"`
	LastUpdate      uint64      `json:"last_update"`
	ValidatorPermit bool        `json:"validator_permit"`
	PruningScore    uint16      `json:"pruning_score"`
}

// NeuronsLite calls NeuronInfoRuntimeApi.get_neurons_lite(netuid) and decodes the result.
func (o *Oracle) NeuronsLite(ctx context.Context, netuid uint16, at string) ([]NeuronLite, error) {
	var out []NeuronLite
	err := o.Do(ctx, "neuronsLite", subnetParams{Netuid: netuid, At: at}, &out)
	return out, err
}

// IsOracleError reports whether err came from polkadot-js (as opposed to transport or process).
func IsOracleError(err error) bool {
	var oe *OracleError
	return errors.As(err, &oe)
}
