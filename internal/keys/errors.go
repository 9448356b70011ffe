package keys

import "errors"

// Sentinel errors. Callers branch on them with errors.Is; the wrapped message
// adds the file path (never the file's contents) or the offending input kind.
var (
	// ErrNotFound: the keyfile or coldkeypub file does not exist.
	ErrNotFound = errors.New("keyfile not found")
	// ErrNotAFile: the path exists but is a directory or another non-regular file.
	ErrNotAFile = errors.New("keyfile is not a regular file")
	// ErrInvalidKeyfile: the content is not a keyfile this package understands
	// (bad JSON, a field of the wrong shape, no usable key material, too large).
	ErrInvalidKeyfile = errors.New("invalid keyfile")
	// ErrKeyMismatch: the key derived from the secret fields differs from the
	// public key recorded in the same file (or the one the caller expected).
	ErrKeyMismatch = errors.New("derived public key does not match the recorded public key")
	// ErrPasswordRequired: the keyfile is $NACL-encrypted and no password was given.
	ErrPasswordRequired = errors.New("keyfile is encrypted and no password was given")
	// ErrWrongPassword: the $NACL keyfile did not authenticate with the given password.
	ErrWrongPassword = errors.New("wrong password for encrypted keyfile")
	// ErrLegacyEncrypted matches both legacy encryptions below.
	ErrLegacyEncrypted = errors.New("keyfile uses a legacy encryption")
	// ErrAnsibleVault: the keyfile is encrypted with Ansible Vault (older Python bittensor).
	ErrAnsibleVault error = &legacyError{"keyfile is encrypted with the legacy Ansible Vault format; " +
		"convert it to $NACL with `btcli wallet update` (or regenerate the key from its mnemonic)"}
	// ErrFernet: the keyfile is a Fernet token (the oldest bittensor format).
	ErrFernet error = &legacyError{"keyfile is encrypted with the legacy Fernet format, which current wallet " +
		"tools cannot read either; regenerate the key from its mnemonic (`btcli wallet regen_hotkey`)"}
	// ErrUnsupported: well-formed input this package deliberately does not handle
	// (ed25519 hotkeys, URI passwords, unsupported SS58 payloads).
	ErrUnsupported = errors.New("unsupported")
	// ErrInvalidSecret: a seed, mnemonic, private key or secret URI is malformed.
	ErrInvalidSecret = errors.New("invalid secret key material")
	// ErrInvalidAddress: an SS58 string is malformed (alphabet, length, checksum,
	// reserved or out-of-range prefix).
	ErrInvalidAddress = errors.New("invalid SS58 address")
	// ErrAddressFormat: a valid SS58 address whose network prefix is not the one required.
	ErrAddressFormat = errors.New("SS58 address has the wrong network prefix")
	// ErrInvalidName: a wallet or hotkey name that is empty or would leave its directory.
	ErrInvalidName = errors.New("invalid wallet or hotkey name")
)

// legacyError lets ErrAnsibleVault and ErrFernet be distinct sentinels that both
// also match ErrLegacyEncrypted, so a caller can branch at either level.
type legacyError struct{ msg string }

func (e *legacyError) Error() string { return e.msg }

func (e *legacyError) Is(target error) bool { return target == ErrLegacyEncrypted }
