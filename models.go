package pylon

import (
	"encoding/json"
	"net/netip"
	"strconv"
	"time"
)

// IdentitiesResponse is the body of GET /api/v1/identities: the configured
// identity names and the subnet each one serves. Clients read it to learn the
// netuid of their identity (and read it again after a 308 redirect).
type IdentitiesResponse struct {
	Identities map[string]uint16 `json:"identities" doc:"Identity name to the netuid it serves."`
}

// HealthResponse is the body of GET /health and of a successful GET /ready.
type HealthResponse struct {
	Status string `json:"status" example:"ok" doc:"\"ok\" for /health, \"ready\" for /ready."`
}

// Problem is an error response: RFC 9457 problem details, sent with the
// content type application/problem+json.
//
// Detail is always present because Pylon's clients read the human message
// from the "detail" field of every error body.
type Problem struct {
	// Type is a URI identifying the problem type; "about:blank" (omitted)
	// means the HTTP status says it all.
	Type string `json:"type,omitempty" doc:"A URI reference identifying the problem type."`
	// Title is the HTTP status text.
	Title string `json:"title,omitempty" example:"Bad Request" doc:"Short summary: the HTTP status text."`
	// Status repeats the HTTP status code.
	Status int `json:"status,omitempty" example:"400" doc:"The HTTP status code."`
	// Detail explains this occurrence in words meant for a person.
	Detail string `json:"detail" example:"X-Pylon-Timeout must be a positive number of seconds" doc:"What went wrong, for a person to read."`
	// RequestID matches the X-Request-ID response header and the server's log
	// line for the request.
	RequestID string `json:"request_id,omitempty" doc:"The request id, as in the X-Request-ID header and the server log."`
	// Errors lists the individual validation failures, if any.
	Errors []ProblemItem `json:"errors,omitempty" doc:"Individual validation failures."`
}

// ProblemItem is one validation failure inside a Problem.
type ProblemItem struct {
	// Message says what is wrong.
	Message string `json:"message" doc:"What is wrong."`
	// Location says where, e.g. "path.netuid", "header.X-Pylon-Timeout" or
	// "body.weights".
	Location string `json:"location,omitempty" doc:"Where: path.<name>, query.<name>, header.<name> or body.<field>."`
	// Value echoes a short scalar input back, to help spot typos.
	Value any `json:"value,omitempty" doc:"The offending value, when short and scalar."`
}

// Freshness headers. Every read names the block its data comes from in the
// body; these headers repeat it, with the block's age, so a caller can judge
// staleness without parsing the body (the client exposes them as
// Response.Freshness).
const (
	// HeaderBlockNumber is the number of the block the response's data is from.
	HeaderBlockNumber = "X-Pylon-Block-Number"
	// HeaderBlockHash is the hash of that block, 0x-prefixed hex.
	HeaderBlockHash = "X-Pylon-Block-Hash"
	// HeaderBlockAge is how long ago that block was produced, in seconds
	// (fractions allowed), as the server saw it when it answered.
	HeaderBlockAge = "X-Pylon-Block-Age-Seconds"
	// HeaderTimeout is the request header carrying the caller's deadline in
	// seconds (fractions allowed); the server caps it and answers 504 when it
	// passes.
	HeaderTimeout = "X-Pylon-Timeout"
	// HeaderRequestID is the id of a request, echoed in every response and in
	// the server's log line.
	HeaderRequestID = "X-Request-ID"
)

// Block identifies a block of the chain.
type Block struct {
	// Number is the block's height.
	Number int64 `json:"number" minimum:"0" example:"4920351" doc:"Block number."`
	// Hash is the block's hash, 0x-prefixed lower-case hex.
	Hash string `json:"hash" example:"0x4a9e7ef6b0c4a1c6e2d3f8c5b9a7d1e0f2c3b4a5968778695a4b3c2d1e0f9a8b" doc:"Block hash, 0x-prefixed hex."`
}

// BlockInfo is the body of GET /api/v1/block/latest (and /block/{n}): a block
// with its timestamp.
type BlockInfo struct {
	Block
	// Timestamp is when the block was produced, in whole seconds since the
	// Unix epoch. The chain stores milliseconds (Timestamp.Now); Pylon turns
	// them into a datetime and answers int(datetime.timestamp()), i.e.
	// seconds rounded down, and so does Pylon-Go.
	Timestamp int64 `json:"timestamp" example:"1767225600" doc:"When the block was produced: Unix time in seconds (the chain's Timestamp.Now milliseconds, rounded down)."`
}

// Time returns Timestamp as a time.Time.
func (b BlockInfo) Time() time.Time { return time.Unix(b.Timestamp, 0) }

// AxonProtocol is the protocol an axon announces. Values the chain may add
// later are kept as they are (Pylon's UnknownIntEnum does the same).
type AxonProtocol int

// Axon protocols.
const (
	AxonProtocolTCP  AxonProtocol = 0
	AxonProtocolUDP  AxonProtocol = 1
	AxonProtocolHTTP AxonProtocol = 4
)

// String returns TCP, UDP or HTTP, or UNKNOWN_<n> as Pylon names other values.
func (p AxonProtocol) String() string {
	switch p {
	case AxonProtocolTCP:
		return "TCP"
	case AxonProtocolUDP:
		return "UDP"
	case AxonProtocolHTTP:
		return "HTTP"
	default:
		return "UNKNOWN_" + strconv.Itoa(int(p))
	}
}

// AxonInfo is where a neuron serves.
type AxonInfo struct {
	// IP is an IPv4 or IPv6 address in text form; 0.0.0.0 or :: when the
	// neuron serves nothing.
	IP string `json:"ip" example:"192.168.1.100" doc:"IPv4 or IPv6 address; 0.0.0.0 or :: when not serving."`
	// Port is the TCP or UDP port.
	Port int `json:"port" example:"8091" doc:"Port."`
	// Protocol is 0 (TCP), 1 (UDP) or 4 (HTTP); other values are passed on.
	Protocol AxonProtocol `json:"protocol" example:"4" doc:"0 = TCP, 1 = UDP, 4 = HTTP; other values are passed on unchanged."`
}

// IsServing reports whether the axon announces an address, i.e. its IP is
// neither 0.0.0.0 nor :: (Pylon's is_serving). An IP that does not parse is
// not serving: nothing could connect to it.
func (a AxonInfo) IsServing() bool {
	ip, err := netip.ParseAddr(a.IP)
	if err != nil {
		return false
	}
	return ip != netip.IPv4Unspecified() && ip != netip.IPv6Unspecified()
}

// Stakes is a neuron's stake split by token, in whole units (1 = 1e9 rao).
type Stakes struct {
	// Alpha is the stake in the subnet's alpha token.
	Alpha float64 `json:"alpha" example:"1234.5" doc:"Alpha stake, in alpha (1e9 rao)."`
	// Tao is the stake in TAO.
	Tao float64 `json:"tao" example:"10.25" doc:"TAO stake, in TAO (1e9 rao)."`
	// Total is alpha plus TAO converted to alpha, in alpha.
	Total float64 `json:"total" example:"1300.75" doc:"Total stake in alpha units (1e9 rao)."`
}

// Neuron is one neuron of a subnet, as Pylon reports it. Ratios (rank, trust,
// consensus, incentive, dividends, validator trust) are u16 values scaled to
// [0, 1]; stake and emission are in whole tokens.
type Neuron struct {
	UID            uint16   `json:"uid" example:"7" doc:"The neuron's uid in the subnet."`
	Coldkey        string   `json:"coldkey" example:"5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV" doc:"Owner coldkey, SS58 (prefix 42)."`
	Hotkey         string   `json:"hotkey" example:"5F4tQyWrhfGVcNhoqeiNsR6KjD4wMZ2kfhLj4oHYuyHbZAc3" doc:"Hotkey, SS58 (prefix 42)."`
	Active         bool     `json:"active" doc:"Whether the neuron is active."`
	AxonInfo       AxonInfo `json:"axon_info" doc:"Where the neuron serves."`
	Stake          float64  `json:"stake" example:"1300.75" doc:"Stake, in whole tokens."`
	Rank           float64  `json:"rank" example:"0" doc:"Rank in [0, 1]; 0 on runtimes from spec 401."`
	Emission       float64  `json:"emission" example:"0.5" doc:"Emission, in alpha."`
	Incentive      float64  `json:"incentive" example:"0.01" doc:"Incentive in [0, 1]."`
	Consensus      float64  `json:"consensus" example:"0.01" doc:"Consensus in [0, 1]."`
	Trust          float64  `json:"trust" example:"0" doc:"Trust in [0, 1]; 0 on runtimes from spec 401."`
	ValidatorTrust float64  `json:"validator_trust" example:"0.9" doc:"Validator trust in [0, 1]."`
	Dividends      float64  `json:"dividends" example:"0.02" doc:"Dividends in [0, 1]."`
	// LastUpdate is the block number of the neuron's last weights update.
	LastUpdate      int64  `json:"last_update" example:"4920000" doc:"Block of the neuron's last weights update."`
	ValidatorPermit bool   `json:"validator_permit" doc:"Whether the neuron may set weights as a validator."`
	PruningScore    int    `json:"pruning_score" example:"65535" doc:"Pruning score (65535 on runtimes from spec 401)."`
	Stakes          Stakes `json:"stakes" doc:"Stake split by token."`
}

// SubnetNeurons is the body of the neurons reads: every neuron of a subnet at
// one block, keyed by hotkey.
type SubnetNeurons struct {
	Block   Block             `json:"block" doc:"The block the neurons were read at."`
	Neurons map[string]Neuron `json:"neurons" doc:"Neurons keyed by hotkey (SS58)."`
}

// SubnetValidators is the body of the validators reads: the neurons with a
// validator permit at one block, by total stake, largest first.
type SubnetValidators struct {
	Block      Block    `json:"block" doc:"The block the validators were read at."`
	Validators []Neuron `json:"validators" doc:"Neurons with validator_permit, sorted by total stake, largest first."`
}

// Hyperparameters is the body of GET …/block/{latest|n}/hyperparameters: a
// subnet's hyperparameters at one block. Pylon has no such endpoint; the
// fields validators and weight setters need most are lifted to the top
// level, and Values holds every hyperparameter the runtime returned, under
// the runtime's own names, so nothing a newer runtime adds is lost.
type Hyperparameters struct {
	Block  Block  `json:"block" doc:"The block the hyperparameters were read at."`
	Netuid uint16 `json:"netuid" example:"1" doc:"The subnet."`

	// Tempo is the epoch length in blocks (an epoch is tempo + 1 blocks).
	Tempo uint16 `json:"tempo" example:"360" doc:"Epoch length in blocks (an epoch spans tempo + 1 blocks)."`
	// MaxWeightsLimit caps any single weight, as a u16 ratio (65535 = no cap).
	MaxWeightsLimit uint16 `json:"max_weights_limit" example:"65535" doc:"Largest single weight as a u16 ratio (65535 = 100%)."`
	// WeightsVersionKey is the smallest version_key weights must carry (the
	// runtime's weights_version, storage WeightsVersionKey).
	WeightsVersionKey uint64 `json:"weights_version_key" example:"0" doc:"Minimum version_key for weights (the runtime's weights_version)."`
	// WeightsRateLimit is how many blocks must pass between two weight
	// submissions of one neuron.
	WeightsRateLimit uint64 `json:"weights_rate_limit" example:"100" doc:"Blocks between two weight submissions of one neuron."`
	// CommitRevealWeightsEnabled says whether weights must be committed and
	// revealed instead of set directly.
	CommitRevealWeightsEnabled bool `json:"commit_reveal_weights_enabled" doc:"Whether weights go through commit-reveal."`
	// CommitRevealPeriod is how many epochs after the commit the weights are
	// revealed.
	CommitRevealPeriod uint64 `json:"commit_reveal_period" example:"1" doc:"Epochs between a commit and its reveal."`
	// CommitRevealVersion is the chain's commit-reveal version (storage
	// CommitRevealWeightsVersion, 4 unless changed); nil when the runtime has
	// no such setting (runtimes before timelocked commit-reveal).
	CommitRevealVersion *uint16 `json:"commit_reveal_version" example:"4" doc:"Commit-reveal version (CommitRevealWeightsVersion); null when the runtime predates it."`

	// Source names the runtime API the values came from, e.g.
	// "SubnetInfoRuntimeApi_get_subnet_hyperparams_v2".
	Source string `json:"source" example:"SubnetInfoRuntimeApi_get_subnet_hyperparams_v2" doc:"The runtime API the values came from."`
	// Values holds every hyperparameter the runtime returned, by its name:
	// booleans, integers (exact, however large) and fixed-point numbers
	// (as decimals).
	Values map[string]json.RawMessage `json:"hyperparameters" doc:"Every hyperparameter the runtime returned, by the runtime's name: booleans, exact integers, fixed-point numbers as decimals."`
}

// CertificateAlgorithm says what kind of key a neuron certificate holds.
// Values the chain may add later are kept as they are.
type CertificateAlgorithm int

// CertificateAlgorithmEd25519 is the only algorithm in use (Pylon's default).
const CertificateAlgorithmEd25519 CertificateAlgorithm = 1

// String returns ED25519, or UNKNOWN_<n> as Pylon names other values.
func (a CertificateAlgorithm) String() string {
	if a == CertificateAlgorithmEd25519 {
		return "ED25519"
	}
	return "UNKNOWN_" + strconv.Itoa(int(a))
}

// Certificate is a neuron's TLS certificate public key as stored on chain.
type Certificate struct {
	Algorithm CertificateAlgorithm `json:"algorithm" example:"1" doc:"Key algorithm: 1 = Ed25519."`
	// PublicKey is hex without a 0x prefix.
	PublicKey string `json:"public_key" example:"3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29" doc:"Public key, hex without 0x."`
}

// CertificateKeypair is a freshly generated certificate key pair, the answer
// to POST …/certificates/self.
type CertificateKeypair struct {
	Certificate
	// PrivateKey is the private key seed, hex without a 0x prefix.
	PrivateKey string `json:"private_key" example:"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60" doc:"Private key seed, hex without 0x."`
}

// Certificates is the body of GET …/block/latest/certificates: the
// certificates of a subnet's neurons keyed by hotkey.
type Certificates map[string]Certificate

// GenerateCertificateKeypairRequest is the body of POST …/certificates/self.
type GenerateCertificateKeypairRequest struct {
	// Algorithm defaults to Ed25519 when absent (or 0).
	Algorithm CertificateAlgorithm `json:"algorithm,omitempty" example:"1" doc:"Key algorithm: 1 = Ed25519 (the default)." default:"1"`
}

// SetWeightsRequest is the body of PUT …/weights: the weight of each hotkey.
// The service normalises them, maps hotkeys to uids and submits them in the
// current epoch.
type SetWeightsRequest struct {
	Weights map[string]float64 `json:"weights" doc:"Weight per hotkey (SS58). Normalised by the service; hotkeys not in the subnet are dropped."`
}

// Epoch is an epoch window, both ends inclusive.
type Epoch struct {
	// Index is the chain's index for the epoch.
	Index uint64 `json:"index" example:"13667" doc:"The chain's epoch index."`
	// StartBlock and EndBlock delimit the window, both inclusive.
	StartBlock int64 `json:"start_block" example:"4920120" doc:"First block of the window."`
	EndBlock   int64 `json:"end_block" example:"4920481" doc:"Last block of the window."`
}

// SetWeightsResponse is the answer to PUT …/weights. Detail and Count are
// Pylon's; the other fields are Pylon-Go additions, omitted when empty, so
// clients written for Pylon are unaffected.
type SetWeightsResponse struct {
	Detail string `json:"detail" example:"weights update scheduled" doc:"What happened."`
	Count  int    `json:"count" example:"256" doc:"How many weights the request carried."`

	// JobID identifies the weights job; its status is at StatusURL.
	JobID string `json:"job_id,omitempty" doc:"The weights job, when one was scheduled."`
	// Epoch is the epoch the job is for.
	Epoch *Epoch `json:"epoch,omitempty" doc:"The epoch the job is for."`
	// UnknownHotkeys lists hotkeys that are not in the subnet and were dropped.
	UnknownHotkeys []string `json:"unknown_hotkeys,omitempty" doc:"Hotkeys not registered in the subnet; their weights were dropped."`
	// StatusURL is the path of the job's status.
	StatusURL string `json:"status_url,omitempty" doc:"Where the job's status can be read."`

	// DryRun is true when nothing was scheduled: the request was validated
	// and the fields below say what would have been submitted.
	DryRun bool `json:"dry_run,omitempty" doc:"True when the request was only validated and nothing was scheduled."`
	// Mode is how the weights would reach the chain (e.g. set_weights,
	// timelock, commit_reveal_v2).
	Mode string `json:"mode,omitempty" example:"timelock" doc:"Dry run: how the weights would be submitted."`
	// UIDs and Values are the normalised u16 vectors that would be submitted.
	UIDs       []uint16 `json:"uids,omitempty" doc:"Dry run: the uids that would be submitted."`
	Values     []uint16 `json:"values,omitempty" doc:"Dry run: the u16 weights that would be submitted, matching uids."`
	VersionKey uint64   `json:"version_key,omitempty" doc:"Dry run: the version key that would be sent."`
}

// WeightsJob is a weights job and everything that happened to it, the body
// of GET …/weights/jobs/{job_id}. Jobs are what PUT …/weights schedules: the
// service runs each until its weights land, its epoch ends, or a newer
// request for the same identity and mechanism supersedes it.
type WeightsJob struct {
	ID          string `json:"id" doc:"The job id."`
	Identity    string `json:"identity" doc:"The identity the job signs for."`
	Hotkey      string `json:"hotkey" doc:"The identity's hotkey (SS58) when the job was made."`
	Netuid      uint16 `json:"netuid" doc:"The subnet."`
	MechanismID uint8  `json:"mechanism_id" doc:"The subnet mechanism (0–7)."`
	// Status is pending, running, committed (a commit is on chain, its
	// reveal outstanding), landed, failed, expired, superseded or cancelled.
	Status string `json:"status" enum:"pending,running,committed,landed,failed,expired,superseded,cancelled" doc:"Where the job stands; landed, failed, expired, superseded and cancelled are final."`
	// Schedule is how it was asked to run: auto (within its epoch, with
	// retries) or now (one immediate attempt).
	Schedule WeightsMode `json:"schedule" enum:"auto,now" doc:"auto: within the epoch, with retries; now: one immediate attempt."`
	// Mode and Call say how the last attempt submitted the weights
	// (set_weights, commit_reveal_v2, timelock) and with which call;
	// RevealCall is the reveal of commit_reveal_v2.
	Mode       string `json:"mode,omitempty" example:"set_weights" doc:"How the weights are submitted, as chosen from the chain: set_weights, commit_reveal_v2 or timelock."`
	Call       string `json:"call,omitempty" example:"set_mechanism_weights" doc:"The extrinsic used."`
	RevealCall string `json:"reveal_call,omitempty" doc:"The reveal extrinsic of a hash commit."`
	// Count and Weights are the request as received.
	Count   int                `json:"count" doc:"How many weights the request carried."`
	Weights map[string]float64 `json:"weights" doc:"The request's weights, by hotkey."`
	// Epoch is the epoch the job is for.
	Epoch         *Epoch           `json:"epoch,omitempty" doc:"The epoch the job is for."`
	Attempts      int              `json:"attempts" doc:"Submission attempts made so far."`
	NextAttemptAt *time.Time       `json:"next_attempt_at,omitempty" doc:"When the next attempt is due, while one is planned."`
	LastError     *WeightsJobError `json:"last_error,omitempty" doc:"The last failure."`
	// Commit describes a commit-reveal commit; Result the extrinsic that put
	// the weights on chain (set_weights, the reveal, or the timelocked commit).
	Commit     *WeightsCommit    `json:"commit,omitempty" doc:"The commit, for commit-reveal."`
	Result     *WeightsJobResult `json:"result,omitempty" doc:"The extrinsic that put the weights on chain."`
	CreatedAt  time.Time         `json:"created_at" doc:"When the request was accepted."`
	UpdatedAt  time.Time         `json:"updated_at" doc:"When the job last changed."`
	FinishedAt *time.Time        `json:"finished_at,omitempty" doc:"When the job reached its final status."`
	// History lists every event, oldest first.
	History []WeightsJobEvent `json:"history" doc:"Every event of the job, oldest first."`
}

// WeightsJobError is a failure of a weights job.
type WeightsJobError struct {
	Message string `json:"message" doc:"What went wrong."`
	// Module is the chain's error name, when the chain rejected an extrinsic
	// (e.g. SettingWeightsTooFast).
	Module string `json:"module,omitempty" example:"SettingWeightsTooFast" doc:"The chain's error name, when the chain rejected an extrinsic."`
}

// WeightsCommit is a commit-reveal commit of a weights job. The salt of a
// hash commit is never shown.
type WeightsCommit struct {
	Hash             string `json:"hash,omitempty" doc:"The commit hash (commit-reveal v2), 0x hex."`
	RevealRound      uint64 `json:"reveal_round,omitempty" doc:"The drand round a timelocked commit is encrypted to."`
	Block            uint64 `json:"block,omitempty" doc:"The block that included the commit."`
	RevealFirstBlock uint64 `json:"reveal_first_block,omitempty" doc:"First block in which the reveal is accepted."`
	RevealLastBlock  uint64 `json:"reveal_last_block,omitempty" doc:"Last block in which the reveal is accepted."`
}

// WeightsJobResult names the extrinsic that put a job's weights on chain.
type WeightsJobResult struct {
	Block          uint64 `json:"block" doc:"The block that included it."`
	BlockHash      string `json:"block_hash" doc:"That block's hash."`
	ExtrinsicHash  string `json:"extrinsic_hash" doc:"The extrinsic's hash."`
	ExtrinsicIndex uint32 `json:"extrinsic_index" doc:"Its index in the block."`
}

// WeightsJobEvent is one entry of a job's history: created, status (from,
// to), attempt, waiting (for the rate limit), submitted (hash, nonce, era),
// included (block), error, tracking (after a restart), revealed, failed,
// expired, cancelled.
type WeightsJobEvent struct {
	At     time.Time       `json:"at" doc:"When it happened."`
	Kind   string          `json:"kind" doc:"What happened."`
	Detail json.RawMessage `json:"detail" doc:"The particulars, a JSON object."`
}

// WeightsStatus is the body of GET …/mechanism/{id}/block/{n}/weights/status:
// whether weights were submitted in the epoch containing block n.
type WeightsStatus struct {
	WeightsSubmitted bool `json:"weights_submitted" doc:"Whether weights were submitted in the epoch containing the block."`
}
