package secret

// Secret-named fields: name=value, name: value, "name": "value", in a
// query, a form, a header line, JSON, YAML or JSON inside a JSON string.

// secretWords are the ends of names under which a secret is written, lower
// case and without separators: client_secret, clientSecret and
// AZURE_CLIENT_SECRET all end with "secret"; x-api-key with "apikey"; the
// sig of a SAS and a sasToken with "sig" and "token". A word of three
// letters or fewer must start a word of the name (sig, Sig, x_sig; not
// design).
var secretWords = []string{
	"secret", "password", "passwd", "passphrase", "pwd", "token", "sig", "signature", "sas", "assertion",
	"credential", "credentials", "apikey", "accesskey", "accountkey", "secretkey", "privatekey",
	"signingkey", "subscriptionkey", "sharedaccesskey",
}

// notSecretNames end like a secret's name but name a paging cursor.
var notSecretNames = []string{"skiptoken", "deltatoken", "nexttoken", "pagetoken", "nextpagetoken", "continuationtoken"}

// FieldName reports whether a field, parameter or header named name holds
// a secret: its name ends with one of the words of secret names (secret,
// password, token, sig, sas, apikey, ...), in any case and with or without
// separators ('_', '-', '.', '$'), and is not a paging cursor's.
func FieldName(name string) bool {
	for _, w := range secretWords {
		start, ok := endsWithWord(name, w)
		if !ok {
			continue
		}
		if len(w) <= 3 && !wordStart(name, start) {
			continue
		}
		for _, n := range notSecretNames {
			if s, ok := endsWithWord(name, n); ok && onlySeparators(name[:s]) {
				return false
			}
		}
		return true
	}
	return false
}

// endsWithWord reports whether name, without its separators and case,
// ends with w, and where that end starts in name.
func endsWithWord(name, w string) (int, bool) {
	i := len(name)
	for k := len(w) - 1; k >= 0; k-- {
		for i > 0 && isNameSep(name[i-1]) {
			i--
		}
		if i == 0 || name[i-1]|0x20 != w[k] {
			return 0, false
		}
		i--
	}
	return i, true
}

// wordStart reports whether a word of name starts at i: at its start,
// after a separator or a digit, or as an upper-case letter after a
// lower-case one (camelCase).
func wordStart(name string, i int) bool {
	if i == 0 {
		return true
	}
	prev := name[i-1]
	return isNameSep(prev) || isDigit(prev) || (isUpper(name[i]) && !isUpper(prev))
}

func onlySeparators(s string) bool { return runOf(s, 0, isNameSep) == len(s) }

func isNameSep(c byte) bool { return c == '_' || c == '-' || c == '.' || c == '$' }

func isNameChar(c byte) bool { return isAlnum(c) || isNameSep(c) }

// findFields appends the values of the secret-named fields in s.
func findFields(s string, ms []Match) []Match {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != ':' && c != '=' {
			continue
		}
		name := nameBefore(s, i)
		if name == "" || !FieldName(name) {
			continue
		}
		start, end := valueAfter(s, i+1)
		if end <= start {
			continue
		}
		if v := s[start:end]; placeholder(v) || literal(v) {
			continue
		}
		ms = append(ms, Match{Field, start, end})
		i = end - 1
	}
	return ms
}

// nameBefore returns the name before the separator at i: the name, an
// optional quote (escaped or not), optional blanks.
func nameBefore(s string, i int) string {
	end := i
	for end > 0 && (s[end-1] == ' ' || s[end-1] == '\t') {
		end--
	}
	if end > 0 && (s[end-1] == '"' || s[end-1] == '\'') {
		end--
		if end > 0 && s[end-1] == '\\' {
			end--
		}
	}
	start := end
	for start > 0 && isNameChar(s[start-1]) {
		start--
	}
	return s[start:end]
}

// valueAfter returns where the value that starts at or after i (blanks
// skipped) begins and ends: inside its quotes ("...", '...', or \"...\"
// in JSON inside a JSON string), else up to a delimiter. A quoted value
// ends at its closing quote or at the end of the line.
func valueAfter(s string, i int) (int, int) {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	if i >= len(s) {
		return i, i
	}
	switch c := s[i]; {
	case c == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\''):
		q := s[i+1]
		start := i + 2
		end := start
		for end < len(s) && s[end] != '\n' && s[end] != q && !(s[end] == '\\' && end+1 < len(s) && s[end+1] == q) {
			end++
		}
		return start, end
	case c == '"' || c == '\'':
		start := i + 1
		end := start
		for end < len(s) && s[end] != c && s[end] != '\n' {
			if s[end] == '\\' && c == '"' && end+1 < len(s) && s[end+1] != '\n' {
				end++
			}
			end++
		}
		return start, min(end, len(s))
	}
	end := i
	for end < len(s) && (isValueChar(s[end]) || (s[end] == '\\' && end+1 < len(s) && s[end+1] == '/')) {
		if s[end] == '\\' {
			end++
		}
		end++
	}
	return i, end
}

// literal reports whether a value is a JSON literal (a field set to null
// holds no secret).
func literal(v string) bool {
	switch v {
	case "null", "true", "false":
		return true
	}
	return false
}
