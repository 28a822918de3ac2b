package match

import (
	"regexp"
	"sync"
	"sync/atomic"
)

// regexCache keeps compiled expressions: the same fixture's matchers are
// compiled on every run, once their templates are expanded.
var (
	regexCache sync.Map // string → *regexp.Regexp
	regexCount atomic.Int64
)

// maxCachedRegexps bounds the cache; past it expressions are compiled each
// time (ids expanded into expressions make most of them unique).
const maxCachedRegexps = 4096

// Regexp compiles expr, reusing an earlier compilation of the same text.
func Regexp(expr string) (*regexp.Regexp, error) {
	if re, ok := regexCache.Load(expr); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, err
	}
	if regexCount.Load() < maxCachedRegexps {
		if _, loaded := regexCache.LoadOrStore(expr, re); !loaded {
			regexCount.Add(1)
		}
	}
	return re, nil
}
