package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// plantable is a valid fixture whose line 7 takes a planted value.
const plantable = `id: planted
title: A fixture with a planted secret
steps:
  - send: POST /app/calls
    body:
      callback: "{{callbackUrl}}"
      note: %s
      clientContext: d45324c1-fcb5-430a-902c-f20af696537c
      hash: 1D6DE2D4CD5143098DAA70768651088E
`

func TestLintRefusesPlantedSecrets(t *testing.T) {
	for _, tt := range []struct {
		name, planted, kind string
	}{
		{"JWT", `"eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhcHBpZCI6IjEyMzQifQ.c2lnbmF0dXJlLWJ5dGVz"`, "a JWT"},
		{"bearer token", `"Bearer abcDEF1234567890ghiJKL"`, "a bearer token"},
		{"high-entropy string", `"kq3Zx9LmT2vB7nW4yH8pJ6rD"`, "a high-entropy string"},
		{"client secret", `"client_secret=s3cr3t"`, "a secret-named field"},
		{"SAS signature", `"https://a.blob.core.windows.net/c/r.wav?sv=2022-11-02&sp=r&sig=Xo%2Bk3bNq9%2FzY1wP8vL0tR6sU4mA2cE7dF5gH3jK%3D"`, "a secret-named field"},
		{"refresh token", `"refreshing with 0.AXkAv4j5cvGGr0GRqy180BHbR.AgABAAEAAAD--DLA3VO7QrddgJg7WevrAgDs_wQA9P failed"`, "a refresh token"},
		{"Entra client secret", `"the new secret Abc8Q~xY.z_9kLmN0pQrS~tUvW.xYz12345aBcD expires"`, "a client secret"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFixture(t, fmt.Sprintf(plantable, tt.planted))
			code, out, errOut := replay(t, "lint", p)
			if code != 1 {
				t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			if want := p + ":7: " + tt.kind; !strings.Contains(out, want) {
				t.Errorf("no %q in:\n%s", want, out)
			}
			if strings.Count(out, "\n") != 1 {
				t.Errorf("want one finding, got:\n%s", out)
			}
			secret := strings.Trim(tt.planted, `"`)
			if strings.Contains(out+errOut, secret[6:]) {
				t.Errorf("lint repeats the secret:\n%s", out)
			}
		})
	}
}

func TestLintAcceptsPlaceholdersAndIDs(t *testing.T) {
	for name, planted := range map[string]string{
		"placeholders and ids":    `"client_secret={{callbackUrl}} redacted-secret-1 Bearer redacted-token-1 8A34A46B-3D17-4ADC-8DCE-DC4E7D572698 19:meeting_NjM5ZjE4MGItYTQ3Zi00ZGM1LWJmYjEtNjA5YzQ4NzhmNGRk@thread.v2"`,
		"a channel's thread id":   `"19:kq3Zx9LmT2vB7nW4yH8pJ6rDq7Vx@thread.tacv2"`,
		"a thread id URL-encoded": `"/chats/19%3Akq3Zx9LmT2vB7nW4yH8pJ6rDq7Vx%40thread.v2/messages"`,
		"base64 of JSON with ids": `"eyJUaWQiOiIwMDAwMDAwMC0wMDAwLTQwMDAtOTAwMC0wMDAwMDAwMDAwMDEifQ=="`,
	} {
		t.Run(name, func(t *testing.T) {
			p := writeFixture(t, fmt.Sprintf(plantable, planted))
			if code, out, errOut := replay(t, "lint", p); code != 0 {
				t.Fatalf("exit %d, want 0:\n%s%s", code, out, errOut)
			}
		})
	}
}

func TestLintBuiltinFixtures(t *testing.T) {
	for _, args := range [][]string{{"lint", "../../fixtures"}, {"lint"}} {
		code, out, errOut := replay(t, args...)
		if code != 0 || !strings.Contains(out, "no secret found") {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
}

func TestLintLoadError(t *testing.T) {
	p := writeFixture(t, "id: Bad Id\ntitle: x\nsteps: []\n")
	code, _, errOut := replay(t, "lint", p)
	if code != 2 || !strings.Contains(errOut, p+":1") {
		t.Errorf("exit %d, stderr %q; want 2 naming %s:1", code, errOut, p)
	}
	if code, _, _ := replay(t, "lint", "no-such-file.yaml"); code != 2 {
		t.Errorf("a missing file: exit %d, want 2", code)
	}
}

// The fixture recorded from real traffic with planted values, and what
// each planted value was before redaction (internal/recorder writes both:
// go test ./internal/recorder -run TestPlantedFixtureGolden -update).
const (
	plantedFixture  = "../../internal/recorder/testdata/privacy/recorded.yaml"
	plantedManifest = "../../internal/recorder/testdata/privacy/planted.json"
)

// TestLintRecordedFixture: lint passes the fixture recorded from planted
// traffic (thread ids, pseudonyms and re-encoded values included) and
// refuses it with any planted value put back where it was.
func TestLintRecordedFixture(t *testing.T) {
	data, err := os.ReadFile(plantedFixture)
	if err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := replay(t, "lint", writeFixture(t, string(data))); code != 0 {
		t.Fatalf("the recorded fixture: exit %d, want 0\n%s%s", code, out, errOut)
	}
	raw, err := os.ReadFile(plantedManifest)
	if err != nil {
		t.Fatal(err)
	}
	var planted map[string][]struct{ Redacted, Original string }
	if err := json.Unmarshal(raw, &planted); err != nil {
		t.Fatal(err)
	}
	if len(planted) < 14 {
		t.Fatalf("%d planted values in %s, want 14", len(planted), plantedManifest)
	}
	for name, puts := range planted {
		t.Run(name, func(t *testing.T) {
			back := map[string]string{}
			for _, p := range puts {
				back[p.Redacted] = p.Original
			}
			p := writeFixture(t, string(putBack(t, data, back)))
			code, out, errOut := replay(t, "lint", p)
			if code != 1 {
				t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			for _, orig := range back {
				if len(orig) > 12 && strings.Contains(out+errOut, orig) {
					t.Errorf("lint repeats the value %q:\n%s", orig, out)
				}
			}
		})
	}
}

// putBack returns the fixture with each scalar that is a key of back set
// to its value.
func putBack(t *testing.T, data []byte, back map[string]string) []byte {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	var walk func(*yaml.Node)
	walk = func(y *yaml.Node) {
		for _, c := range y.Content {
			walk(c)
		}
		if orig, ok := back[y.Value]; ok && y.Kind == yaml.ScalarNode {
			y.Value, y.Style, y.Tag = orig, yaml.DoubleQuotedStyle, "!!str"
			n++
		}
	}
	walk(&doc)
	if n == 0 {
		t.Fatal("no value to put back is in the fixture")
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLintAcceptsTokenKinds: a send step's `token:` names a kind of token,
// not a secret, though its key is named like one; a secret under the same
// key is still refused.
func TestLintAcceptsTokenKinds(t *testing.T) {
	var b strings.Builder
	b.WriteString("id: kinds\ntitle: Token kinds\nsteps:\n")
	for _, k := range []string{"app", "none", "delegated", "no-role", "expired", "other-audience", "bad-signature"} {
		fmt.Fprintf(&b, "  - send: GET /app/calls/{{uuid}}\n    token: %s\n", k)
	}
	b.WriteString("  - send: GET /app/calls/{{uuid}}\n    token: \"bad-signature\" # quoted, with a comment\n")
	if code, out, errOut := replay(t, "lint", writeFixture(t, b.String())); code != 0 {
		t.Fatalf("exit %d, want 0:\n%s%s", code, out, errOut)
	}
	p := writeFixture(t, fmt.Sprintf(plantable, "{token: s3cr3t-value}"))
	if code, out, _ := replay(t, "lint", p); code != 1 || !strings.Contains(out, p+":7: a secret-named field") {
		t.Errorf("a secret under token: exit %d, want 1:\n%s", code, out)
	}
}
