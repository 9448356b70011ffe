// Package pylontest helps test code that uses the Pylon-Go client.
//
// Two tools, for two kinds of test:
//
//   - NewServer starts a real Pylon-Go service in the test process, built
//     exactly as the pylon binary builds it, on a loopback port, and hands
//     back its URL, its tokens and a ready *pylon.Client. Use it to test
//     code against the real HTTP surface: authentication, errors, timeouts,
//     retries.
//   - MockClient implements pylon.API in memory. Each method plays the
//     behaviours it was given (WorkNormally, RaiseRequestError,
//     RaiseResponseError, in sequence) and every call is recorded, so a test
//     can drive its code through success and failure paths and then check
//     what it asked for.
package pylontest
