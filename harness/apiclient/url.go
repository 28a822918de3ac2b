package apiclient

import (
	"fmt"
	"net/url"
	"strings"
)

// parseBase checks a base URL and returns it without its trailing slashes.
func parseBase(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("base url: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("base url %q: want http(s)://host[/path]", base)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("base url %q: no query, fragment or user info allowed", base)
	}
	return strings.TrimRight(base, "/"), nil
}

// isAbsolute reports whether p is an absolute http(s) URL.
func isAbsolute(p string) bool {
	l := strings.ToLower(p)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// joinURL resolves p against base (no trailing slash): an absolute URL is
// kept as is; a path, with or without its leading slash, is appended to the
// base's path with exactly one slash between; a query alone is appended.
func joinURL(base, p string) (string, error) {
	var s string
	switch {
	case isAbsolute(p):
		s = p
	case p == "" || p == "/":
		s = base
	case p[0] == '?':
		s = base + p
	default:
		s = base + "/" + strings.TrimLeft(p, "/")
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("resolve path %q: %w", p, err)
	}
	if u.Host == "" {
		return "", fmt.Errorf("resolve path %q: no host", p)
	}
	return s, nil
}
