package personal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
)

// minSecretLength is the fewest bytes of secret NewSealer accepts.
const minSecretLength = 32

// sealedVersion is the first byte of every sealed value, so the format can change later.
const sealedVersion byte = 1

// Labels for deriving the two keys; changing one makes every stored value unreadable or unmatched.
const (
	encryptKeyLabel = "portal/encrypt/v1"
	hashKeyLabel    = "portal/hash/v1"
)

// errSealedInvalid is returned for any sealed value that cannot be opened; it says no more on purpose.
var errSealedInvalid = errors.New("sealed value is invalid or was sealed with another key")

// errSealedVersion is returned for a sealed value of a format this code does not know.
var errSealedVersion = errors.New("sealed value has an unknown version")

// Sealer encrypts personal data for storage and hashes it for duplicate checks, from one secret.
// It is safe for concurrent use.
type Sealer struct {
	aead    cipher.AEAD
	hashKey []byte
}

// NewSealer derives independent encryption and hash keys from secret, which must be at least 32 bytes.
func NewSealer(secret []byte) (*Sealer, error) {
	if len(secret) < minSecretLength {
		return nil, fmt.Errorf("sealer secret must be at least %d bytes, got %d", minSecretLength, len(secret))
	}
	block, err := aes.NewCipher(deriveKey(secret, encryptKeyLabel))
	if err != nil {
		return nil, fmt.Errorf("sealer cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("sealer GCM: %w", err)
	}
	return &Sealer{aead: aead, hashKey: deriveKey(secret, hashKeyLabel)}, nil
}

// Encrypt seals plain with AES-256-GCM under a random nonce; the result is URL-safe base64
// of version || nonce || ciphertext, so sealing the same value twice gives different strings.
func (s *Sealer) Encrypt(plain string) (string, error) {
	header := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	header[0] = sealedVersion
	nonce := header[1:]
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("sealer nonce: %w", err)
	}
	// The version byte is authenticated too, so it cannot be swapped without detection.
	sealed := s.aead.Seal(header, nonce, []byte(plain), header[:1])
	return base64.RawURLEncoding.EncodeToString(sealed), nil
}

// Decrypt opens a value made by Encrypt; it fails on tampering, another key or an unknown version.
func (s *Sealer) Decrypt(sealed string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil {
		return "", errSealedInvalid
	}
	if len(raw) < 1+s.aead.NonceSize()+s.aead.Overhead() {
		return "", errSealedInvalid
	}
	if raw[0] != sealedVersion {
		return "", errSealedVersion
	}
	nonce := raw[1 : 1+s.aead.NonceSize()]
	plain, err := s.aead.Open(nil, nonce, raw[1+s.aead.NonceSize():], raw[:1])
	if err != nil {
		return "", errSealedInvalid
	}
	return string(plain), nil
}

// Hash returns a hex HMAC-SHA256 of value under the hash key: the same value always gives the
// same hash, so duplicates can be found without decrypting. Normalize the value first.
func (s *Sealer) Hash(value string) string {
	mac := hmac.New(sha256.New, s.hashKey)
	mac.Write([]byte(value))
	return hex.EncodeToString(mac.Sum(nil))
}

// deriveKey returns HMAC-SHA256(secret, label), a 32-byte key independent of keys for other labels.
func deriveKey(secret []byte, label string) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(label))
	return mac.Sum(nil)
}
