package chain

// NeuronLite lets the external tests (package chain_test) decode neurons with the same stand-in type
// as the internal ones.
type NeuronLite = neuronLite
