package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/pylon-go/pylon"
	"github.com/pylon-go/pylon/internal/config"
	"github.com/pylon-go/pylon/internal/keys"
	"github.com/pylon-go/pylon/internal/service"
)

// Reads is what the read routes ask for; *service.Reads implements it. Every
// answer is a service.Entry: a body encoded once, sent as bytes.
type Reads interface {
	Block(ctx context.Context, at service.At) (*service.Entry, error)
	Neurons(ctx context.Context, netuid uint16, at service.At) (*service.Entry, error)
	RecentNeurons(ctx context.Context, netuid uint16) (*service.Entry, service.Staleness, error)
	Validators(ctx context.Context, netuid uint16, at service.At) (*service.Entry, error)
	Hyperparameters(ctx context.Context, netuid uint16, at service.At) (*service.Entry, error)
	Certificates(ctx context.Context, netuid uint16, at service.At) (*service.Entry, error)
	Certificate(ctx context.Context, netuid uint16, at service.At, hotkey keys.AccountID) (*service.Entry, error)
	OwnCertificate(ctx context.Context, id config.Identity) (*service.Entry, error)
}

// cachedInput carries the request headers every read honours: conditional
// requests and content coding.
type cachedInput struct {
	IfNoneMatch    string `header:"If-None-Match" doc:"ETag(s) of a copy the caller holds; a match answers 304 without a body."`
	AcceptEncoding string `header:"Accept-Encoding" doc:"gzip is served pre-compressed when accepted."`
}

type blockInput struct {
	cachedInput
	BlockNumber string `path:"block_number" doc:"Block number." example:"4920351"`
}

type hotkeyInput struct {
	cachedInput
	Hotkey string `path:"hotkey" doc:"Hotkey, SS58 (prefix 42)." example:"5F4tQyWrhfGVcNhoqeiNsR6KjD4wMZ2kfhLj4oHYuyHbZAc3"`
}

// cachedOutput sends an Entry: the body as bytes, gzip when accepted, a
// strong ETag, 304 for a matching If-None-Match, and the block the data is
// from.
type cachedOutput struct {
	ContentType     string `header:"Content-Type"`
	ContentEncoding string `header:"Content-Encoding"`
	Vary            string `header:"Vary"`
	ETag            string `header:"ETag" doc:"Strong entity tag of this representation (gzip has its own)."`
	CacheControl    string `header:"Cache-Control"`
	BlockNumber     string `header:"X-Pylon-Block-Number" doc:"Number of the block the data is from."`
	BlockHash       string `header:"X-Pylon-Block-Hash" doc:"Hash of that block."`
	BlockAge        string `header:"X-Pylon-Block-Age-Seconds" doc:"How long ago that block was authored, in seconds."`
	Warning         string `header:"Warning" doc:"Set when recent data is older than PYLON_RECENT_OBJECTS_SOFT_LIMIT_BLOCKS: 110 (Response is Stale) with the reason."`
	// Body sends the status and the entry's bytes, without copying them
	// (writeShared): the same bytes serve every request for the entry.
	Body func(huma.Context)
}

// respond builds the answer for e.
func respond(in *cachedInput, e *service.Entry, warning string) *cachedOutput {
	out := &cachedOutput{
		Vary:         "Accept-Encoding",
		CacheControl: "no-cache",
		BlockNumber:  e.NumberText,
		BlockHash:    e.HashText,
		BlockAge:     strconv.FormatFloat(e.Age(time.Now()).Seconds(), 'f', 3, 64),
	}
	if warning != "" {
		out.Warning = `110 pylon "Response is Stale: ` + strings.ReplaceAll(warning, `"`, `'`) + `"`
	}
	etag, body := e.ETag, e.JSON
	gz := acceptsGzip(in.AcceptEncoding)
	if gz {
		etag, body = e.GzipETag, e.Gzip
	}
	out.ETag = etag
	if noneMatch(in.IfNoneMatch, etag) {
		out.Body = func(hctx huma.Context) { hctx.SetStatus(http.StatusNotModified) }
		return out
	}
	out.ContentType = "application/json"
	if gz {
		out.ContentEncoding = "gzip"
	}
	out.Body = func(hctx huma.Context) {
		hctx.SetStatus(http.StatusOK)
		_, w := humago.Unwrap(hctx)
		writeShared(w, body)
	}
	return out
}

// acceptsGzip reads Accept-Encoding (RFC 9110 §12.5.3): gzip (or x-gzip)
// with a non-zero quality, or * when gzip is not excluded by name.
func acceptsGzip(header string) bool {
	if header == "" {
		return false
	}
	star, named := false, false
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			name, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(name), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		switch coding {
		case "gzip", "x-gzip":
			if q <= 0 {
				return false
			}
			named = true
		case "*":
			star = q > 0
		}
	}
	return named || star
}

// noneMatch reports whether If-None-Match matches etag, by the weak
// comparison RFC 9110 §13.1.2 prescribes for it.
func noneMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	if strings.TrimSpace(header) == "*" {
		return true
	}
	want := strings.TrimPrefix(etag, "W/")
	for tag := range strings.SplitSeq(header, ",") {
		if strings.TrimPrefix(strings.TrimSpace(tag), "W/") == want {
			return true
		}
	}
	return false
}

// readError turns a service error into the problem the caller gets.
func readError(err error) error {
	var se *service.Error
	if !errors.As(err, &se) {
		// Deadlines become 504, anything else a logged 500 (see newProblem).
		return err
	}
	switch se.Kind {
	case service.KindBadRequest:
		return huma.Error400BadRequest(se.Detail)
	case service.KindNotFound:
		return huma.Error404NotFound(se.Detail)
	case service.KindUnavailable:
		return huma.NewError(http.StatusServiceUnavailable, se.Detail, err)
	default:
		return huma.NewError(http.StatusBadGateway, se.Detail, err)
	}
}

// parseBlock reads the {block_number} path parameter.
func parseBlock(raw string) (service.At, error) {
	n, err := strconv.ParseUint(raw, 10, 63)
	if err != nil {
		return service.At{}, huma.Error400BadRequest(fmt.Sprintf("block_number must be a whole number of 0 or more, got %q", truncate(raw, 32)),
			&huma.ErrorDetail{Location: "path.block_number", Message: "must be a whole number of 0 or more", Value: truncate(raw, 32)})
	}
	return service.AtBlock(n), nil
}

// parseHotkey reads the {hotkey} path parameter.
func parseHotkey(raw string) (keys.AccountID, error) {
	hk, err := keys.ParseAccountID(raw)
	if err != nil {
		return hk, huma.Error400BadRequest(fmt.Sprintf("hotkey must be an SS58 address (prefix 42), got %q: %v", truncate(raw, 64), err),
			&huma.ErrorDetail{Location: "path.hotkey", Message: "must be an SS58 address (prefix 42)", Value: truncate(raw, 64)})
	}
	return hk, nil
}

func netuidOf(ctx context.Context) uint16 {
	n, _ := NetuidFrom(ctx)
	return n
}

// readOp documents a read operation: the JSON model of its 200 answer (the
// handler sends it as bytes), 304, and the errors reads can end in.
func readOp(s *Server, id, summary, description, path string, model reflect.Type, tags ...string) huma.Operation {
	schema := s.api.OpenAPI().Components.Schemas.Schema(model, true, "")
	return huma.Operation{
		OperationID: id, Summary: summary, Description: description,
		Method: http.MethodGet, Path: path, Tags: tags,
		Responses: map[string]*huma.Response{
			"200": {
				Description: "The data, with the block it is from in X-Pylon-Block-Number/-Hash (and in the body).",
				Content:     map[string]*huma.MediaType{"application/json": {Schema: schema}},
			},
			"304": {Description: "If-None-Match matched the ETag: the caller's copy is current."},
		},
		Errors: []int{http.StatusNotFound, http.StatusBadGateway, http.StatusServiceUnavailable},
	}
}

var (
	neuronsModel         = reflect.TypeFor[pylon.SubnetNeurons]()
	validatorsModel      = reflect.TypeFor[pylon.SubnetValidators]()
	blockInfoModel       = reflect.TypeFor[pylon.BlockInfo]()
	certificatesModel    = reflect.TypeFor[pylon.Certificates]()
	certificateModel     = reflect.TypeFor[pylon.Certificate]()
	hyperparametersModel = reflect.TypeFor[pylon.Hyperparameters]()
)

// RegisterReads adds every read route of Pylon's API (PYLON-API.md §2–3),
// answered by r:
//
//   - block level: /api/v1/block/latest, /api/v1/block/{block_number};
//   - per subnet, open access and identity (v1 and _unstable): /block/latest,
//     /block/{latest|n}/neurons, /block/recent/neurons,
//     /block/{latest|n}/validators, /block/latest/certificates[/{hotkey}],
//     /block/{latest|n}/hyperparameters (new), and for identities
//     /block/latest/certificates/self;
//   - the Nov-2025 paths /subnet/{netuid}/neurons/{latest|n},
//     /subnet/{netuid}/certificates[/{hotkey}] and the identity's
//     /certificates/self;
//   - in the seed format, /api/v1/certificates[/{hotkey}|/self].
func RegisterReads(s *Server, r Reads) {
	latest := func(get func(ctx context.Context, at service.At) (*service.Entry, error)) Handler[cachedInput, cachedOutput] {
		return func(ctx context.Context, in *cachedInput) (*cachedOutput, error) {
			e, err := get(ctx, service.Latest)
			if err != nil {
				return nil, readError(err)
			}
			return respond(in, e, ""), nil
		}
	}
	atBlock := func(get func(ctx context.Context, at service.At) (*service.Entry, error)) Handler[blockInput, cachedOutput] {
		return func(ctx context.Context, in *blockInput) (*cachedOutput, error) {
			at, err := parseBlock(in.BlockNumber)
			if err != nil {
				return nil, err
			}
			e, err := get(ctx, at)
			if err != nil {
				return nil, readError(err)
			}
			return respond(&in.cachedInput, e, ""), nil
		}
	}
	subnet := func(get func(ctx context.Context, netuid uint16, at service.At) (*service.Entry, error)) func(ctx context.Context, at service.At) (*service.Entry, error) {
		return func(ctx context.Context, at service.At) (*service.Entry, error) { return get(ctx, netuidOf(ctx), at) }
	}
	certificate := func(netuid func(ctx context.Context) (uint16, error)) Handler[hotkeyInput, cachedOutput] {
		return func(ctx context.Context, in *hotkeyInput) (*cachedOutput, error) {
			hk, err := parseHotkey(in.Hotkey)
			if err != nil {
				return nil, err
			}
			n, err := netuid(ctx)
			if err != nil {
				return nil, err
			}
			e, err := r.Certificate(ctx, n, service.Latest, hk)
			if err != nil {
				return nil, readError(err)
			}
			return respond(&in.cachedInput, e, ""), nil
		}
	}
	own := func(ctx context.Context, in *cachedInput) (*cachedOutput, error) {
		id, ok := IdentityFrom(ctx)
		if !ok {
			return nil, errors.New("api: own certificate outside an identity route")
		}
		e, err := r.OwnCertificate(ctx, id)
		if err != nil {
			return nil, readError(err)
		}
		return respond(in, e, ""), nil
	}
	subnetNetuid := func(ctx context.Context) (uint16, error) { return netuidOf(ctx), nil }

	// Block level.
	for _, v := range []Version{V1, Unstable} {
		RegisterBlock(s, v, readOp(s, "get-latest-block", "Latest block",
			"The latest block the service follows: number, hash and timestamp (Unix seconds).",
			"/block/latest", blockInfoModel, "blocks"), latest(r.Block))
		RegisterBlock(s, v, readOp(s, "get-block", "Block by number",
			"The block's number, hash and timestamp; a block the chain does not have is 404 (\"Block {n} not found.\").",
			"/block/{block_number}", blockInfoModel, "blocks"), atBlock(r.Block))
	}

	// Subnet level, open access and identity.
	for _, v := range []Version{V1, Unstable} {
		RegisterSubnet(s, v, readOp(s, "get-subnet-latest-block", "Latest block",
			"The latest block the service follows (as /api/v1/block/latest).",
			"/block/latest", blockInfoModel, "blocks"), latest(r.Block))
		RegisterSubnet(s, v, readOp(s, "get-latest-neurons", "Neurons at the latest block",
			"Every neuron of the subnet at the latest block, by hotkey. Prefetched for the cached subnets, so usually a cache hit.",
			"/block/latest/neurons", neuronsModel, "neurons"), latest(subnet(r.Neurons)))
		RegisterSubnet(s, v, readOp(s, "get-neurons", "Neurons at a block",
			"Every neuron of the subnet at the given block, by hotkey; an unknown block is 404.",
			"/block/{block_number}/neurons", neuronsModel, "neurons"), atBlock(subnet(r.Neurons)))
		RegisterSubnet(s, v, readOp(s, "get-recent-neurons", "Recently prefetched neurons",
			"The newest prefetched neurons of a cached subnet (the identities' subnets and PYLON_RECENT_OBJECTS_NETUIDS): "+
				"those of the latest block unless prefetching fails. X-Pylon-Block-Age-Seconds says their age; older than "+
				"PYLON_RECENT_OBJECTS_SOFT_LIMIT_BLOCKS they carry a Warning header, older than the hard limit they are refused "+
				"with 503. A subnet that is not cached is 404.",
			"/block/recent/neurons", neuronsModel, "neurons"),
			func(ctx context.Context, in *cachedInput) (*cachedOutput, error) {
				e, st, err := r.RecentNeurons(ctx, netuidOf(ctx))
				if err != nil {
					return nil, readError(err)
				}
				return respond(in, e, st.Warning), nil
			})
		RegisterSubnet(s, v, readOp(s, "get-latest-validators", "Validators at the latest block",
			"The subnet's neurons holding a validator permit, by total stake, largest first (ties: lower uid first).",
			"/block/latest/validators", validatorsModel, "validators"), latest(subnet(r.Validators)))
		RegisterSubnet(s, v, readOp(s, "get-validators", "Validators at a block",
			"As the latest validators, at the given block; an unknown block is 404.",
			"/block/{block_number}/validators", validatorsModel, "validators"), atBlock(subnet(r.Validators)))
		RegisterSubnet(s, v, readOp(s, "get-latest-hyperparameters", "Hyperparameters at the latest block",
			"The subnet's hyperparameters: the common ones typed, and every value the runtime returns under its own name. "+
				"A subnet that does not exist is 404.",
			"/block/latest/hyperparameters", hyperparametersModel, "hyperparameters"), latest(subnet(r.Hyperparameters)))
		RegisterSubnet(s, v, readOp(s, "get-hyperparameters", "Hyperparameters at a block",
			"As the latest hyperparameters, at the given block; an unknown block is 404.",
			"/block/{block_number}/hyperparameters", hyperparametersModel, "hyperparameters"), atBlock(subnet(r.Hyperparameters)))
		RegisterSubnet(s, v, readOp(s, "get-latest-certificates", "Certificates at the latest block",
			"The neuron certificates of the subnet, by hotkey: {algorithm, public_key (hex without 0x)}.",
			"/block/latest/certificates", certificatesModel, "certificates"), latest(subnet(r.Certificates)))
		RegisterSubnet(s, v, readOp(s, "get-latest-certificate", "One certificate at the latest block",
			"The hotkey's neuron certificate; none is 404 (\"Certificate not found or error fetching.\").",
			"/block/latest/certificates/{hotkey}", certificateModel, "certificates"), certificate(subnetNetuid))
		RegisterIdentity(s, v, readOp(s, "get-own-certificate", "The identity's certificate",
			"The certificate of the identity's hotkey on its subnet; none is 404.",
			"/block/latest/certificates/self", certificateModel, "certificates"), own)
	}

	// Nov-2025 paths (v1 only, as Pylon had them).
	RegisterSubnet(s, V1, readOp(s, "legacy-get-latest-neurons", "Neurons at the latest block (Nov-2025 path)",
		"As /block/latest/neurons.", "/neurons/latest", neuronsModel, "neurons", "legacy"), latest(subnet(r.Neurons)))
	RegisterSubnet(s, V1, readOp(s, "legacy-get-neurons", "Neurons at a block (Nov-2025 path)",
		"As /block/{block_number}/neurons; an unknown block is 404 (\"Block {n} not found.\").",
		"/neurons/{block_number}", neuronsModel, "neurons", "legacy"), atBlock(subnet(r.Neurons)))
	RegisterSubnet(s, V1, readOp(s, "legacy-get-certificates", "Certificates (Nov-2025 path)",
		"As /block/latest/certificates.", "/certificates", certificatesModel, "certificates", "legacy"), latest(subnet(r.Certificates)))
	RegisterSubnet(s, V1, readOp(s, "legacy-get-certificate", "One certificate (Nov-2025 path)",
		"As /block/latest/certificates/{hotkey}.", "/certificates/{hotkey}", certificateModel, "certificates", "legacy"), certificate(subnetNetuid))
	RegisterIdentity(s, V1, readOp(s, "legacy-get-own-certificate", "The identity's certificate (Nov-2025 path)",
		"As /block/latest/certificates/self.", "/certificates/self", certificateModel, "certificates", "legacy"), own)

	// Seed paths: the one identity's subnet.
	seedNetuid := func(ctx context.Context) (uint16, error) {
		id, ok := IdentityFrom(ctx)
		if !ok {
			return 0, errors.New("api: seed route without its identity")
		}
		return id.Netuid, nil
	}
	RegisterSeed(s, readOp(s, "get-certificates", "Certificates of the subnet (seed path)",
		"The neuron certificates of the configured subnet at the latest block, by hotkey ({} when none).",
		"/certificates", certificatesModel, "certificates"),
		func(ctx context.Context, in *cachedInput) (*cachedOutput, error) {
			n, err := seedNetuid(ctx)
			if err != nil {
				return nil, err
			}
			e, err := r.Certificates(ctx, n, service.Latest)
			if err != nil {
				return nil, readError(err)
			}
			return respond(in, e, ""), nil
		})
	RegisterSeed(s, readOp(s, "get-certificate", "One certificate (seed path)",
		"The hotkey's certificate on the configured subnet; none is 404 (\"Certificate not found or error fetching.\").",
		"/certificates/{hotkey}", certificateModel, "certificates"), certificate(seedNetuid))
	RegisterSeed(s, readOp(s, "get-own-certificate", "The wallet hotkey's certificate (seed path)",
		"The certificate of the configured hotkey; none is 404.", "/certificates/self", certificateModel, "certificates"), own)
}
