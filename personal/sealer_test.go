package personal

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// newTestSealer builds a Sealer from a 32-byte secret made of fill.
func newTestSealer(t *testing.T, fill byte) *Sealer {
	t.Helper()
	s, err := NewSealer(bytes.Repeat([]byte{fill}, 32))
	if err != nil {
		t.Fatalf("NewSealer: %v", err)
	}
	return s
}

func TestNewSealer(t *testing.T) {
	tests := []struct {
		name      string
		secretLen int
		wantErr   bool
	}{
		{"empty secret is refused", 0, true},
		{"31-byte secret is refused", 31, true},
		{"32-byte secret is accepted", 32, false},
		{"64-byte secret is accepted", 64, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewSealer(bytes.Repeat([]byte{'k'}, tt.secretLen))
			if (err != nil) != tt.wantErr {
				t.Errorf("NewSealer(%d bytes) error = %v, wantErr %v", tt.secretLen, err, tt.wantErr)
			}
		})
	}
}

func TestSealerRoundTrip(t *testing.T) {
	s := newTestSealer(t, 'a')
	tests := []struct {
		name  string
		plain string
	}{
		{"ID number comes back unchanged", "11010519491231002X"},
		{"Chinese text comes back unchanged", "广东省中山市小榄镇"},
		{"empty string comes back unchanged", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed, err := s.Encrypt(tt.plain)
			if err != nil {
				t.Fatalf("Encrypt: %v", err)
			}
			if tt.plain != "" && strings.Contains(sealed, tt.plain) {
				t.Errorf("sealed value %q shows the plain text", sealed)
			}
			got, err := s.Decrypt(sealed)
			if err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
			if got != tt.plain {
				t.Errorf("Decrypt = %q, want %q", got, tt.plain)
			}
		})
	}
}

func TestSealerEncryptTwiceDiffers(t *testing.T) {
	s := newTestSealer(t, 'a')
	first, err := s.Encrypt("11010519491231002X")
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.Encrypt("11010519491231002X")
	if err != nil {
		t.Fatal(err)
	}
	if first == second {
		t.Errorf("two encryptions of the same value are equal: %q", first)
	}
}

func TestSealerDecryptRefuses(t *testing.T) {
	s := newTestSealer(t, 'a')
	sealed, err := s.Encrypt("11010519491231002X")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil {
		t.Fatal(err)
	}
	// reseal re-encodes raw after change has altered a copy of it.
	reseal := func(change func(b []byte)) string {
		b := bytes.Clone(raw)
		change(b)
		return base64.RawURLEncoding.EncodeToString(b)
	}

	tests := []struct {
		name   string
		sealer *Sealer
		sealed string
		want   error
	}{
		{"flipped ciphertext bit", s, reseal(func(b []byte) { b[len(b)-1] ^= 1 }), errSealedInvalid},
		{"flipped nonce bit", s, reseal(func(b []byte) { b[1] ^= 1 }), errSealedInvalid},
		{"other key", newTestSealer(t, 'b'), sealed, errSealedInvalid},
		{"unknown version", s, reseal(func(b []byte) { b[0] = 2 }), errSealedVersion},
		{"truncated value", s, sealed[:10], errSealedInvalid},
		{"not base64", s, "not base64!", errSealedInvalid},
		{"empty value", s, "", errSealedInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.sealer.Decrypt(tt.sealed)
			if !errors.Is(err, tt.want) {
				t.Errorf("Decrypt error = %v, want %v", err, tt.want)
			}
			if got != "" {
				t.Errorf("Decrypt returned %q alongside an error", got)
			}
		})
	}
}

func TestSealerHash(t *testing.T) {
	s := newTestSealer(t, 'a')
	sameSecret := newTestSealer(t, 'a')
	otherSecret := newTestSealer(t, 'b')
	id := "11010519491231002X"

	t.Run("same value and secret give the same hash", func(t *testing.T) {
		if s.Hash(id) != sameSecret.Hash(id) {
			t.Error("hash differs between two sealers with one secret")
		}
	})
	t.Run("hash is 64 hex characters", func(t *testing.T) {
		if got := s.Hash(id); len(got) != 64 || strings.Trim(got, "0123456789abcdef") != "" {
			t.Errorf("Hash = %q, want 64 lowercase hex characters", got)
		}
	})
	t.Run("other secret gives another hash", func(t *testing.T) {
		if s.Hash(id) == otherSecret.Hash(id) {
			t.Error("hash is the same under another secret")
		}
	})
	t.Run("other value gives another hash", func(t *testing.T) {
		if s.Hash(id) == s.Hash("110105194912310021") {
			t.Error("two values share a hash")
		}
	})
	t.Run("hash key is not the encryption key", func(t *testing.T) {
		if bytes.Equal(deriveKey([]byte(strings.Repeat("a", 32)), encryptKeyLabel), s.hashKey) {
			t.Error("hash and encryption keys are the same")
		}
	})
}
