package conf

import (
	"crypto/tls"
	"strings"
)

// An OpenSSL cipher list ("HIGH:!aNULL:!MD5", "ECDHE-RSA-AES128-GCM-SHA256:
// EECDH+AESGCM") mapped onto the TLS 1.2 suites Go's crypto/tls has. As in
// OpenSSL (ciphers(1)), each element is a cipher name, a keyword or keywords
// joined by '+' (all must hold); '!' removes for good, '-' removes, '+'
// moves to the end, no prefix appends. TLS 1.3 suites are not chosen by
// ssl_ciphers (OpenSSL has a separate list), as in nginx.

// goSuite is one of Go's TLS 1.2 suites with the attributes OpenSSL's
// keywords select on.
type goSuite struct {
	id      uint16
	openssl string   // OpenSSL's name
	attrs   []string // keywords that select it
}

// goSuites are Go's TLS 1.2 suites in OpenSSL's default preference order.
var goSuites = []goSuite{
	{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ECDHE-ECDSA-AES256-GCM-SHA384", []string{"ECDHE", "EECDH", "kEECDH", "kECDHE", "ECDSA", "aECDSA", "AES", "AES256", "AESGCM", "SHA384", "HIGH", "TLSv1.2"}},
	{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE-RSA-AES256-GCM-SHA384", []string{"ECDHE", "EECDH", "kEECDH", "kECDHE", "aRSA", "AES", "AES256", "AESGCM", "SHA384", "HIGH", "TLSv1.2"}},
	{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-ECDSA-CHACHA20-POLY1305", []string{"ECDHE", "EECDH", "kEECDH", "kECDHE", "ECDSA", "aECDSA", "CHACHA20", "HIGH", "TLSv1.2"}},
	{tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-RSA-CHACHA20-POLY1305", []string{"ECDHE", "EECDH", "kEECDH", "kECDHE", "aRSA", "CHACHA20", "HIGH", "TLSv1.2"}},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE-ECDSA-AES128-GCM-SHA256", []string{"ECDHE", "EECDH", "kEECDH", "kECDHE", "ECDSA", "aECDSA", "AES", "AES128", "AESGCM", "SHA256", "HIGH", "TLSv1.2"}},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE-RSA-AES128-GCM-SHA256", []string{"ECDHE", "EECDH", "kEECDH", "kECDHE", "aRSA", "AES", "AES128", "AESGCM", "SHA256", "HIGH", "TLSv1.2"}},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, "ECDHE-ECDSA-AES128-SHA256", []string{"ECDHE", "EECDH", "kEECDH", "kECDHE", "ECDSA", "aECDSA", "AES", "AES128", "SHA256", "HIGH", "TLSv1.2"}},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, "ECDHE-RSA-AES128-SHA256", []string{"ECDHE", "EECDH", "kEECDH", "kECDHE", "aRSA", "AES", "AES128", "SHA256", "HIGH", "TLSv1.2"}},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, "ECDHE-ECDSA-AES256-SHA", []string{"ECDHE", "EECDH", "kEECDH", "kECDHE", "ECDSA", "aECDSA", "AES", "AES256", "SHA1", "SHA", "HIGH", "SSLv3"}},
	{tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, "ECDHE-RSA-AES256-SHA", []string{"ECDHE", "EECDH", "kEECDH", "kECDHE", "aRSA", "AES", "AES256", "SHA1", "SHA", "HIGH", "SSLv3"}},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, "ECDHE-ECDSA-AES128-SHA", []string{"ECDHE", "EECDH", "kEECDH", "kECDHE", "ECDSA", "aECDSA", "AES", "AES128", "SHA1", "SHA", "HIGH", "SSLv3"}},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, "ECDHE-RSA-AES128-SHA", []string{"ECDHE", "EECDH", "kEECDH", "kECDHE", "aRSA", "AES", "AES128", "SHA1", "SHA", "HIGH", "SSLv3"}},
	{tls.TLS_RSA_WITH_AES_256_GCM_SHA384, "AES256-GCM-SHA384", []string{"kRSA", "RSA", "aRSA", "AES", "AES256", "AESGCM", "SHA384", "HIGH", "TLSv1.2"}},
	{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, "AES128-GCM-SHA256", []string{"kRSA", "RSA", "aRSA", "AES", "AES128", "AESGCM", "SHA256", "HIGH", "TLSv1.2"}},
	{tls.TLS_RSA_WITH_AES_128_CBC_SHA256, "AES128-SHA256", []string{"kRSA", "RSA", "aRSA", "AES", "AES128", "SHA256", "HIGH", "TLSv1.2"}},
	{tls.TLS_RSA_WITH_AES_256_CBC_SHA, "AES256-SHA", []string{"kRSA", "RSA", "aRSA", "AES", "AES256", "SHA1", "SHA", "HIGH", "SSLv3"}},
	{tls.TLS_RSA_WITH_AES_128_CBC_SHA, "AES128-SHA", []string{"kRSA", "RSA", "aRSA", "AES", "AES128", "SHA1", "SHA", "HIGH", "SSLv3"}},
	{tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA, "ECDHE-RSA-DES-CBC3-SHA", []string{"ECDHE", "EECDH", "kEECDH", "kECDHE", "aRSA", "3DES", "SHA1", "SHA", "MEDIUM", "SSLv3"}},
	{tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA, "DES-CBC3-SHA", []string{"kRSA", "RSA", "aRSA", "3DES", "SHA1", "SHA", "MEDIUM", "SSLv3"}},
}

// cipherKeywords are OpenSSL's selection words; a word outside this set
// and outside OpenSSL cipher names is unknown (OpenSSL skips it).
var cipherKeywords = map[string]bool{
	"ALL": true, "DEFAULT": true, "COMPLEMENTOFDEFAULT": true, "COMPLEMENTOFALL": true, "HIGH": true, "MEDIUM": true,
	"LOW": true, "EXP": true, "EXPORT": true, "aNULL": true, "eNULL": true, "NULL": true, "MD5": true, "RC4": true,
	"DES": true, "3DES": true, "SHA": true, "SHA1": true, "SHA256": true, "SHA384": true, "AES": true, "AES128": true,
	"AES256": true, "AESGCM": true, "AESCCM": true, "CHACHA20": true, "ECDHE": true, "EECDH": true, "kEECDH": true,
	"kECDHE": true, "EDH": true, "DHE": true, "kEDH": true, "kDHE": true, "DH": true, "ADH": true, "AECDH": true,
	"kRSA": true, "RSA": true, "aRSA": true, "ECDSA": true, "aECDSA": true, "DSS": true, "aDSS": true, "PSK": true,
	"kPSK": true, "aPSK": true, "SRP": true, "kSRP": true, "CAMELLIA": true, "SEED": true, "IDEA": true, "ARIA": true,
	"CCM": true, "SSLv3": true, "TLSv1": true, "TLSv1.2": true, "TLSv1.0": true, "SUITEB128": true, "SUITEB192": true,
	"RC2": true, "GOST": true, "kGOST": true, "aGOST": true, "ECDH": true, "aECDH": true, "kECDH": true,
}

// CipherSuites turns an OpenSSL cipher list into Go's TLS 1.2 suite ids in
// preference order; ok is false when the list selects none (nginx then
// fails with "no cipher match").
func CipherSuites(list string) (ids []uint16, ok bool) {
	ids, _ = cipherSuites(list)
	return ids, len(ids) > 0
}

func cipherSuites(list string) (ids []uint16, unknown []string) {
	var order []int // indexes into goSuites
	removed := map[int]bool{}
	has := func(i int) int {
		for k, j := range order {
			if j == i {
				return k
			}
		}
		return -1
	}
	elems := strings.FieldsFunc(list, func(r rune) bool { return r == ':' || r == ',' || r == ' ' || r == ';' })
	for _, el := range elems {
		if strings.HasPrefix(el, "@") {
			continue // @STRENGTH, @SECLEVEL=n
		}
		op := byte(0)
		if el[0] == '!' || el[0] == '-' || el[0] == '+' {
			op, el = el[0], el[1:]
		}
		matches := matchCipher(el)
		if matches == nil && !knownCipherWords(el) {
			unknown = append(unknown, el)
		}
		switch op {
		case '!':
			for _, i := range matches {
				removed[i] = true
				if k := has(i); k >= 0 {
					order = append(order[:k], order[k+1:]...)
				}
			}
		case '-':
			for _, i := range matches {
				if k := has(i); k >= 0 {
					order = append(order[:k], order[k+1:]...)
				}
			}
		case '+':
			for _, i := range matches {
				if k := has(i); k >= 0 {
					order = append(order[:k], order[k+1:]...)
					order = append(order, i)
				}
			}
		default:
			for _, i := range matches {
				if !removed[i] && has(i) < 0 {
					order = append(order, i)
				}
			}
		}
	}
	for _, i := range order {
		ids = append(ids, goSuites[i].id)
	}
	return ids, unknown
}

// matchCipher returns the suites one element selects: a cipher name, or
// keywords joined by '+'.
func matchCipher(el string) []int {
	var out []int
	if el == "ALL" || el == "DEFAULT" {
		for i := range goSuites {
			out = append(out, i)
		}
		return out
	}
	words := strings.Split(el, "+")
	for i, s := range goSuites {
		if s.openssl == el {
			return []int{i}
		}
		all := true
		for _, w := range words {
			found := false
			for _, a := range s.attrs {
				if a == w {
					found = true
					break
				}
			}
			all = all && found
		}
		if all {
			out = append(out, i)
		}
	}
	return out
}

// knownCipherWords reports whether every '+'-joined word of el is an
// OpenSSL keyword.
func knownCipherWords(el string) bool {
	for _, w := range strings.Split(el, "+") {
		if !cipherKeywords[w] {
			return false
		}
	}
	return true
}

// CipherName is OpenSSL's name of a Go suite ($ssl_cipher): TLS 1.3 suites
// keep their IANA names, as OpenSSL prints them.
func CipherName(id uint16) string {
	for _, s := range goSuites {
		if s.id == id {
			return s.openssl
		}
	}
	return tls.CipherSuiteName(id)
}
