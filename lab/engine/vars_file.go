package engine

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"path/filepath"
)

// binaryRemoteAddr is $binary_remote_addr: the client's address as raw
// bytes, 4 for IPv4 and 16 for IPv6, as nginx gives it.
func binaryRemoteAddr(r *request) (string, bool) {
	if r.c == nil {
		return "", false
	}
	ip, err := netip.ParseAddr(r.c.remoteAddr)
	if err != nil {
		return "", false
	}
	ip = ip.Unmap()
	b := ip.AsSlice()
	return string(b), true
}

// requestID is $request_id: 16 random bytes in hex (32 digits). nginx
// caches it per request only when a directive uses it (an indexed
// variable); ngx.var.request_id alone makes a new one on every read
// (difftest var/request_id_etc, var/request_id_header).
func requestID(r *request) (string, bool) {
	if r.requestID != "" {
		return r.requestID, true
	}
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", false
	}
	id := hex.EncodeToString(b[:])
	if r.w.e.indexedVars["request_id"] {
		r.requestID = id
	}
	return id, true
}

// realpathRoot is $realpath_root: $document_root with symbolic links
// resolved; not found (logged as nginx does) when the path does not exist.
func realpathRoot(r *request) (string, bool) {
	root, _ := r.documentRoot() // alias or root, as $document_root
	p, err := filepath.EvalSymlinks(root)
	if err != nil {
		code, text := errnoOf(err)
		r.logErr(LevelCrit, fmt.Sprintf("realpath() \"%s\" failed (%d: %s)", root, code, text))
		return "", false
	}
	return p, true
}
