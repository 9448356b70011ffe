// Package pylon is the public Go client library for Pylon-Go and the home of
// the wire models shared by that client and the server.
//
// Every JSON body the service sends or accepts is defined here once, with the
// field names Bittensor Pylon uses, so that the server (internal/api) and the
// client cannot drift apart and existing Pylon users can switch by changing a
// URL. The package knows nothing about the chain, SCALE or the HTTP server.
package pylon
