package api

// SetOnShutdown makes Serve call f once its listener is closed, so a test can
// check that new connections are refused while a request is still in flight.
func SetOnShutdown(s *Server, f func()) { s.onShutdown = f }

// AcceptsGzip and NoneMatch expose the content-coding and conditional-request
// parsing of the read routes.
var (
	AcceptsGzip = acceptsGzip
	NoneMatch   = noneMatch
)
