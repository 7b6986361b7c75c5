package conf

import (
	"errors"
	"regexp"
	"regexp/syntax"
	"strings"
)

// compileRegex compiles a location, rewrite or server_name regular
// expression written for PCRE with Go's RE2-based regexp package.
//
// PCRE vs RE2: RE2 has no backreferences (\1), lookaround ((?=, (?!, (?<=,
// (?<!), atomic groups ((?>) or possessive quantifiers (a++); patterns using
// them fail to load here although nginx accepts them. Named groups (?<n>..)
// and (?P<n>..) work in both. PCRE's '$' also matches before a final
// newline; RE2's does not (irrelevant for URIs, which hold no newline).
// Case-insensitive matching (~*) is "(?i)" in front of the pattern.
func compileRegex(pattern string, caseless bool, pos Pos) (*regexp.Regexp, error) {
	expr := pattern
	if caseless {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err == nil {
		return re, nil
	}
	return nil, &Error{Msg: regexError(pattern, err), Pos: pos}
}

// pcreMessages maps Go's regexp error codes to PCRE2's wording, so that
// the common mistakes read as nginx prints them.
var pcreMessages = map[syntax.ErrorCode]string{
	syntax.ErrMissingParen:          "missing closing parenthesis",
	syntax.ErrUnexpectedParen:       "unmatched closing parenthesis",
	syntax.ErrMissingBracket:        "missing terminating ] for character class",
	syntax.ErrMissingRepeatArgument: "quantifier does not follow a repeatable item",
	syntax.ErrInvalidRepeatSize:     "numbers out of order in {} quantifier",
	syntax.ErrTrailingBackslash:     "\\ at end of pattern",
}

// regexError formats a compile error as nginx does:
// `pcre2_compile() failed: MESSAGE in "PATTERN"[ at "REST"]`.
func regexError(pattern string, err error) string {
	var se *syntax.Error
	if !errors.As(err, &se) {
		return "pcre2_compile() failed: " + err.Error() + " in \"" + pattern + "\""
	}
	msg, ok := pcreMessages[se.Code]
	if !ok {
		if isPCREOnly(se) {
			return "regular expression \"" + pattern + "\" uses a PCRE feature that Go's RE2 engine does not support (" +
				string(se.Code) + ": " + se.Expr + ")"
		}
		return "pcre2_compile() failed: " + string(se.Code) + " in \"" + pattern + "\""
	}
	out := "pcre2_compile() failed: " + msg + " in \"" + pattern + "\""
	// PCRE2 names the rest of the pattern from the error offset when the
	// error is not at its end.
	switch se.Code {
	case syntax.ErrUnexpectedParen:
		if i := unmatchedParen(pattern); i >= 0 {
			out += " at \"" + pattern[i:] + "\""
		}
	case syntax.ErrMissingRepeatArgument:
		if i := strings.Index(pattern, se.Expr); i >= 0 && se.Expr != "" {
			out += " at \"" + pattern[i:] + "\""
		}
	case syntax.ErrInvalidRepeatSize:
		if i := strings.Index(pattern, se.Expr); i >= 0 && se.Expr != "" {
			out += " at \"" + pattern[i+len(se.Expr)-1:] + "\""
		}
	}
	return out
}

// isPCREOnly reports whether a compile error comes from syntax that PCRE
// accepts but RE2 does not.
func isPCREOnly(se *syntax.Error) bool {
	switch se.Code {
	case syntax.ErrInvalidPerlOp, syntax.ErrInvalidEscape, syntax.ErrInvalidNamedCapture:
		return true
	case syntax.ErrInvalidRepeatOp:
		return strings.Contains(se.Expr, "++") || strings.Contains(se.Expr, "*+") || strings.Contains(se.Expr, "?+")
	}
	return false
}

// unmatchedParen returns the index of the first ')' that closes no group,
// skipping escapes and character classes; -1 if there is none.
func unmatchedParen(p string) int {
	depth, inClass := 0, false
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\\':
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
		case c == '(':
			depth++
		case c == ')':
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return -1
}
