package secret

import "net/url"

// RedactURL returns raw for a message or a report without what a URL may
// carry secretly: user info, query (a SAS signature, a token) and fragment
// are dropped; scheme, host and path are kept. A string that is not a URL
// becomes "(invalid URL)".
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}
