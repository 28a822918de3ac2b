package harness

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/callconform/callconform/harness/fixture"
)

// TokenFunc gives a bearer token (the token alone, without "Bearer ") for
// a send step. It is called once per step that needs one, so it may mint
// a fresh token each time.
type TokenFunc func(ctx context.Context) (string, error)

// StaticToken returns a TokenFunc that always gives tok.
func StaticToken(tok string) TokenFunc {
	return func(context.Context) (string, error) { return tok, nil }
}

// ErrNoTokenToAlter is returned by a TokenFunc of AlterSignature when the
// token it alters is empty: the run has no token of its own.
var ErrNoTokenToAlter = errors.New("no token to alter: the run has no token of its own")

// AlterSignature returns a TokenFunc that takes valid's token and changes
// its signature, so that it no longer verifies while its header and claims
// stay valid: a token of kind fixture.TokenBadSignature. A token that is
// not a JWT (three dot-separated parts) has its last characters changed.
func AlterSignature(valid TokenFunc) TokenFunc {
	return func(ctx context.Context) (string, error) {
		tok, err := valid(ctx)
		if err != nil {
			return "", err
		}
		if tok == "" {
			return "", ErrNoTokenToAlter
		}
		return alterSignature(tok), nil
	}
}

// alterSignature flips the bits of the first byte of tok's signature (the
// part after its last dot), keeping it base64url; a token without a
// signature part gets one that cannot verify.
func alterSignature(tok string) string {
	bogus := base64.RawURLEncoding.EncodeToString([]byte("not a signature"))
	i := strings.LastIndexByte(tok, '.')
	if i < 0 {
		return tok + "." + bogus
	}
	sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
	if err != nil || len(sig) == 0 {
		return tok[:i+1] + bogus
	}
	sig[0] ^= 0xff
	return tok[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
}

// authorization returns the Authorization header step st sends: ok false
// when it takes the client's own (token app, or none named), "" with ok
// true for token none (no header at all), else "Bearer " and the token of
// its kind.
func (s *scenario) authorization(ctx context.Context, st *fixture.Step) (value string, ok bool, err error) {
	switch st.Token {
	case "", fixture.TokenApp:
		return "", false, nil
	case fixture.TokenNone:
		return "", true, nil
	}
	get, have := s.r.Target.Tokens[st.Token]
	if !have || get == nil {
		// SkipReason keeps such a fixture from running; a caller that ran
		// it anyway learns why it cannot.
		return "", false, fmt.Errorf("token %s: %w", st.Token, &SkipError{Kind: MissingToken, Token: st.Token})
	}
	tok, err := get(ctx)
	if err != nil {
		return "", false, fmt.Errorf("token %s: %w", st.Token, err)
	}
	if tok == "" {
		return "", false, fmt.Errorf("token %s: the target's source of such tokens gave an empty one", st.Token)
	}
	return "Bearer " + tok, true, nil
}

// TokenDescription says in words what a kind of token is: "a delegated
// (user) token" for fixture.TokenDelegated.
func TokenDescription(kind string) string {
	switch kind {
	case fixture.TokenDelegated:
		return "a delegated (user) token"
	case fixture.TokenNoRole:
		return "an application token without calling roles"
	case fixture.TokenExpired:
		return "an expired token"
	case fixture.TokenOtherAudience:
		return "a token for another audience"
	case fixture.TokenBadSignature:
		return "a token whose signature does not verify (made from the run's own)"
	}
	return "a token of kind " + kind
}
