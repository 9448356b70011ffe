package pylon

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
