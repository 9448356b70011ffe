package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pylon-go/pylon"
	"github.com/pylon-go/pylon/internal/config"
	"github.com/pylon-go/pylon/internal/keys"
	"github.com/pylon-go/pylon/internal/service"
	"github.com/pylon-go/pylon/internal/store"
	"github.com/pylon-go/pylon/internal/weights"
	"github.com/pylon-go/pylon/internal/weights/jobs"
)

// Weights is what the weights routes ask for; *jobs.Service implements it.
type Weights interface {
	Submit(ctx context.Context, r jobs.Request) (*jobs.Accepted, error)
	Job(ctx context.Context, identity, id string) (store.Job, []store.Event, error)
	Submitted(ctx context.Context, identity string, mechanism uint8, block uint64) (bool, weights.Window, error)
}

// CertificateWriter is what the certificate-generation routes ask for;
// *service.Certificates implements it.
type CertificateWriter interface {
	Generate(ctx context.Context, id config.Identity, algorithm int) (*keys.CertificateKeypair, error)
}

// Pylon's words, which its clients know.
const (
	detailScheduled          = "weights update scheduled"
	detailDryRun             = "weights validated; nothing was scheduled (dry run)"
	detailCertificateFailure = "Could not generate certificate pair."
)

// The query parameters are declared in each input (not in an embedded
// struct, which huma does not read parameters from).
type putWeightsInput struct {
	DryRun bool   `query:"dry_run" doc:"Validate and report the exact uids, u16 values, version key and mode that would be submitted, without scheduling or submitting anything."`
	Mode   string `query:"mode" enum:"auto,now" doc:"auto (default): submit within the epoch, retrying until the weights land or the epoch ends. now: one immediate attempt, no retries (for callers who own their schedule)."`
	Body   pylon.SetWeightsRequest
}

type putMechanismWeightsInput struct {
	MechanismID int    `path:"mechanism_id" minimum:"0" maximum:"7" doc:"The subnet mechanism (0–7)."`
	DryRun      bool   `query:"dry_run" doc:"As for PUT …/weights."`
	Mode        string `query:"mode" enum:"auto,now" doc:"As for PUT …/weights."`
	Body        pylon.SetWeightsRequest
}

type weightsQuery struct {
	DryRun bool
	Mode   string
}

type setWeightsOutput struct {
	Body pylon.SetWeightsResponse
}

type weightsStatusInput struct {
	MechanismID int    `path:"mechanism_id" minimum:"0" maximum:"7" doc:"The subnet mechanism (0–7)."`
	BlockNumber string `path:"block_number" doc:"A block of the epoch asked about." example:"4920351"`
}

type weightsStatusOutput struct {
	Body pylon.WeightsStatus
}

type weightsJobInput struct {
	JobID string `path:"job_id" maxLength:"64" doc:"The job id from the PUT …/weights answer."`
}

type weightsJobOutput struct {
	Body pylon.WeightsJob
}

type generateCertificateInput struct {
	Body *pylon.GenerateCertificateKeypairRequest `required:"false"`
}

type generateCertificateOutput struct {
	Status int
	Body   pylon.CertificateKeypair
}

// RegisterWrites adds the routes that change the chain (PYLON-API.md §2, §3,
// §6), answered by w (weights jobs) and c (certificates):
//
//   - PUT …/weights and …/mechanism/{mechanism_id}/weights (v1 and _unstable,
//     identity), and the seed format's PUT /api/v1/subnet/weights: validate,
//     persist the job, answer 200 {detail, count, job_id, epoch,
//     unknown_hotkeys, status_url}; ?dry_run=true and ?mode=now;
//   - GET …/mechanism/{mechanism_id}/block/{block_number}/weights/status →
//     {weights_submitted};
//   - GET …/weights/jobs/{job_id}: the job with its history;
//   - POST …/certificates/self (v1 — also the Nov-2025 path — and _unstable,
//     identity), and the seed format's POST /api/v1/certificates/self → 201
//     {algorithm, public_key, private_key}; a failure is 502 (400 on the seed
//     path) with Pylon's detail and the reason in errors.
func RegisterWrites(s *Server, w Weights, c CertificateWriter) {
	setOp := func(id, summary, path string) huma.Operation {
		return huma.Operation{
			OperationID: id, Summary: summary, Method: http.MethodPut, Path: path, Tags: []string{"weights"},
			Description: "Validates the weights against the chain (hotkeys registered, minimum count, max weight, version key, the signer's " +
				"registration and permit) and schedules them as a durable job for the current epoch, before answering. The latest " +
				"request per identity and mechanism wins. The service submits them with set_weights, or with a commit and its reveal, " +
				"as the chain requires at the time, waiting for the weights rate limit. Unknown hotkeys are dropped and listed.",
			Errors: []int{http.StatusBadRequest, http.StatusBadGateway, http.StatusServiceUnavailable},
		}
	}
	for _, v := range []Version{V1, Unstable} {
		RegisterIdentity(s, v, setOp("put-weights", "Set weights (mechanism 0)", "/weights"),
			func(ctx context.Context, in *putWeightsInput) (*setWeightsOutput, error) {
				return putWeights(ctx, w, v, 0, &weightsQuery{in.DryRun, in.Mode}, in.Body)
			})
		RegisterIdentity(s, v, setOp("put-mechanism-weights", "Set weights of a mechanism", "/mechanism/{mechanism_id}/weights"),
			func(ctx context.Context, in *putMechanismWeightsInput) (*setWeightsOutput, error) {
				return putWeights(ctx, w, v, uint8(in.MechanismID), &weightsQuery{in.DryRun, in.Mode}, in.Body) //nolint:gosec // G115: 0–7 by the schema
			})
		RegisterIdentity(s, v, huma.Operation{
			OperationID: "get-weights-status", Summary: "Whether weights were submitted in an epoch", Tags: []string{"weights"},
			Description: "Whether the identity's weights for the mechanism reached the chain in the epoch containing the block " +
				"(a job landed, or committed for commit-reveal, inside that epoch's window).",
			Method: http.MethodGet, Path: "/mechanism/{mechanism_id}/block/{block_number}/weights/status",
			Errors: []int{http.StatusNotFound, http.StatusBadGateway, http.StatusServiceUnavailable},
		}, func(ctx context.Context, in *weightsStatusInput) (*weightsStatusOutput, error) {
			n, err := strconv.ParseUint(in.BlockNumber, 10, 63)
			if err != nil {
				_, perr := parseBlock(in.BlockNumber)
				return nil, perr
			}
			id, _ := IdentityFrom(ctx)
			ok, _, err := w.Submitted(ctx, id.Name, uint8(in.MechanismID), n) //nolint:gosec // G115: 0–7 by the schema
			if err != nil {
				return nil, readError(err)
			}
			return &weightsStatusOutput{Body: pylon.WeightsStatus{WeightsSubmitted: ok}}, nil
		})
		RegisterIdentity(s, v, huma.Operation{
			OperationID: "get-weights-job", Summary: "A weights job and its history", Tags: []string{"weights"},
			Description: "The job a PUT …/weights scheduled: its status (pending, running, committed, landed, failed, expired, " +
				"superseded, cancelled), its epoch, attempts, last error, commit and result, and every event of its history.",
			Method: http.MethodGet, Path: "/weights/jobs/{job_id}",
			Errors: []int{http.StatusNotFound},
		}, func(ctx context.Context, in *weightsJobInput) (*weightsJobOutput, error) {
			id, _ := IdentityFrom(ctx)
			j, hist, err := w.Job(ctx, id.Name, in.JobID)
			if err != nil {
				return nil, readError(err)
			}
			return &weightsJobOutput{Body: wireJob(j, hist)}, nil
		})
		RegisterIdentity(s, v, generateOp("generate-certificate", "/certificates/self", http.StatusBadGateway),
			func(ctx context.Context, in *generateCertificateInput) (*generateCertificateOutput, error) {
				return generate(ctx, c, in, http.StatusBadGateway)
			})
	}
	RegisterSeed(s, setOp("put-weights", "Set weights (seed path)", "/subnet/weights"),
		func(ctx context.Context, in *putWeightsInput) (*setWeightsOutput, error) {
			return putWeights(ctx, w, V1, 0, &weightsQuery{in.DryRun, in.Mode}, in.Body)
		})
	RegisterSeed(s, generateOp("generate-certificate", "/certificates/self", http.StatusBadRequest),
		func(ctx context.Context, in *generateCertificateInput) (*generateCertificateOutput, error) {
			return generate(ctx, c, in, http.StatusBadRequest)
		})
}

func putWeights(ctx context.Context, w Weights, v Version, mechanism uint8, q *weightsQuery, body pylon.SetWeightsRequest) (*setWeightsOutput, error) {
	id, ok := IdentityFrom(ctx)
	if !ok {
		return nil, errors.New("api: weights outside an identity route")
	}
	acc, err := w.Submit(ctx, jobs.Request{Identity: id.Name, Mechanism: mechanism, Weights: body.Weights, Mode: store.Mode(q.Mode), DryRun: q.DryRun})
	if err != nil {
		return nil, readError(err)
	}
	out := pylon.SetWeightsResponse{
		Detail: detailScheduled, Count: len(body.Weights), UnknownHotkeys: acc.Plan.Dropped,
		Epoch: &pylon.Epoch{Index: acc.Window.Epoch, StartBlock: int64(acc.Window.Start), EndBlock: int64(acc.Window.End)}, //nolint:gosec // G115: block numbers
	}
	if q.DryRun {
		out.Detail, out.DryRun = detailDryRun, true
		out.Mode, out.UIDs, out.Values, out.VersionKey = string(acc.Submission.Mode), acc.Plan.UIDs, acc.Plan.Values, acc.Plan.VersionKey
		if out.UIDs == nil {
			out.UIDs, out.Values = []uint16{}, []uint16{}
		}
		return &setWeightsOutput{Body: out}, nil
	}
	out.JobID = acc.Job.ID
	out.StatusURL = "/api/" + string(v) + "/identity/" + url.PathEscape(id.Name) + "/subnet/" + strconv.Itoa(int(id.Netuid)) +
		"/weights/jobs/" + url.PathEscape(acc.Job.ID)
	return &setWeightsOutput{Body: out}, nil
}

func generateOp(id, path string, failure int) huma.Operation {
	return huma.Operation{
		OperationID: id, Summary: "Generate the identity's certificate keypair", Tags: []string{"certificates"},
		Description: "Generates an Ed25519 keypair, stores its public key as the neuron's certificate with serve_axon_tls (signed by " +
			"the identity's hotkey, keeping the neuron's current axon address, port, protocol and version) and answers, once it is " +
			"on chain, with the keypair, private key included. A neuron that never served an axon cannot obtain a certificate this " +
			"way. Failures answer \"Could not generate certificate pair.\" with the reason in errors.",
		Method: http.MethodPost, Path: path, DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusBadRequest, failure, http.StatusServiceUnavailable},
	}
}

func generate(ctx context.Context, c CertificateWriter, in *generateCertificateInput, failure int) (*generateCertificateOutput, error) {
	id, ok := IdentityFrom(ctx)
	if !ok {
		return nil, errors.New("api: certificates outside an identity route")
	}
	algorithm := int(pylon.CertificateAlgorithmEd25519)
	if in.Body != nil && in.Body.Algorithm != 0 {
		algorithm = int(in.Body.Algorithm)
	}
	kp, err := c.Generate(ctx, id, algorithm)
	if err != nil {
		var se *service.Error
		switch {
		case errors.As(err, &se) && se.Kind == service.KindBadRequest:
			return nil, huma.Error400BadRequest(se.Detail)
		case errors.As(err, &se) && se.Kind == service.KindUnavailable:
			return nil, certificateFailure(ctx, http.StatusServiceUnavailable, se.Detail, err)
		case errors.As(err, &se):
			return nil, certificateFailure(ctx, failure, se.Detail, err)
		}
		return nil, err // a deadline (504) or an internal error (500)
	}
	return &generateCertificateOutput{Status: http.StatusCreated, Body: pylon.CertificateKeypair{
		Certificate: pylon.Certificate{Algorithm: pylon.CertificateAlgorithm(kp.Algorithm()), PublicKey: kp.PublicKeyHex()},
		PrivateKey:  kp.PrivateKeyHex(),
	}}, nil
}

// certificateFailure is Pylon's answer ("Could not generate certificate
// pair.") with the reason as the problem's one error item: the reason names
// chain facts and errors, never a key.
func certificateFailure(ctx context.Context, status int, reason string, cause error) error {
	p := newProblem(ctx, status, detailCertificateFailure)
	p.Errors = []pylon.ProblemItem{{Message: reason}}
	if status >= http.StatusInternalServerError {
		p.cause = cause
		noteError(ctx, cause)
	}
	return p
}

// wireJob is the API's view of a job: everything but the commit's salt,
// which stays secret until the reveal is on chain.
func wireJob(j store.Job, hist []store.Event) pylon.WeightsJob {
	out := pylon.WeightsJob{
		ID: j.ID, Identity: j.Identity, Hotkey: j.Hotkey, Netuid: j.Netuid, MechanismID: j.Mechanism,
		Status: string(j.Status), Schedule: pylon.WeightsMode(j.Options.Mode), Count: len(j.Weights), Weights: j.Weights,
		Attempts: j.Attempts, CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt, History: make([]pylon.WeightsJobEvent, 0, len(hist)),
	}
	if t := j.Target; t != nil {
		out.Epoch = &pylon.Epoch{Index: t.Epoch, StartBlock: int64(t.Start), EndBlock: int64(t.End)} //nolint:gosec // G115: block numbers
	}
	if sub := j.Submission; sub != nil {
		out.Mode, out.Call, out.RevealCall = sub.Mode, sub.Call, sub.RevealCall
	}
	if !j.NextAttemptAt.IsZero() && !j.Status.Final() {
		t := j.NextAttemptAt
		out.NextAttemptAt = &t
	}
	if !j.FinishedAt.IsZero() {
		t := j.FinishedAt
		out.FinishedAt = &t
	}
	if e := j.LastError; e != nil {
		out.LastError = &pylon.WeightsJobError{Message: e.Message, Module: e.Module}
	}
	if c := j.Commit; c != nil {
		out.Commit = &pylon.WeightsCommit{Hash: c.Hash, RevealRound: c.RevealRound, Block: c.Block, RevealFirstBlock: c.RevealFirst, RevealLastBlock: c.RevealLast}
	}
	if r := j.Result; r != nil {
		out.Result = &pylon.WeightsJobResult{Block: r.Block, BlockHash: r.BlockHash, ExtrinsicHash: r.ExtrinsicHash, ExtrinsicIndex: r.ExtrinsicIndex}
	}
	for _, e := range hist {
		out.History = append(out.History, pylon.WeightsJobEvent{At: e.At, Kind: e.Kind, Detail: e.Detail})
	}
	return out
}
