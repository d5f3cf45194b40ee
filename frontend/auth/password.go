// Package auth signs people in: argon2id password hashes, the common
// password list, server-side sessions with a random id in the cookie, the
// CSRF token tied to each session, and the sign-in throttle. It knows no
// role: the directory's staff and a node's admins mount the same
// middleware and give it the roles a page needs.
package auth

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: 19 MiB of memory, 2 passes, 1 lane, a 16-byte salt
// and a 32-byte key, the minimum OWASP's password storage cheat sheet
// recommends. They are written into every hash, so that raising them later
// keeps old hashes verifiable.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

// MinPasswordLength is the shortest password accepted, in characters.
const MinPasswordLength = 12

// Password errors, each with a translation key of the same text in the
// frontend.
var (
	ErrPasswordShort  = errors.New("auth: the password has fewer than 12 characters")
	ErrPasswordCommon = errors.New("auth: the password is in the list of common passwords")
)

//go:generate go run gen_common.go

//go:embed common-passwords.txt
var commonPasswordsFile []byte

var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	m := map[string]struct{}{}
	sc := bufio.NewScanner(bytes.NewReader(commonPasswordsFile))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" && !strings.HasPrefix(w, "#") {
			m[strings.ToLower(w)] = struct{}{}
		}
	}
	return m
})

// CommonPasswords is the number of entries in the shipped list.
func CommonPasswords() int { return len(commonPasswords()) }

// CheckPassword refuses passwords that are short or common (compared
// without case).
func CheckPassword(pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLength {
		return ErrPasswordShort
	}
	if _, ok := commonPasswords()[strings.ToLower(pw)]; ok {
		return ErrPasswordCommon
	}
	return nil
}

// HashPassword returns the argon2id hash of pw in the PHC string format
// ($argon2id$v=19$m=…,t=…,p=…$salt$key).
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword tells whether pw matches hash, in constant time for a
// given hash. A malformed or empty hash matches nothing.
func VerifyPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 || m > 1<<21 || t > 64 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 128 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is verified against when the account does not exist, so that a
// wrong email takes as long as a wrong password.
var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword("portee-dummy-password")
	if err != nil {
		panic(err)
	}
	return h
})

// RandomToken returns n random bytes, URL-safe base64.
func RandomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("auth: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
