// Package difftest is the differential test suite of RestyLab: it runs the
// same nginx.conf and the same requests against real nginx with ngx_lua (the
// oracle) and against the RestyLab engine, and compares both with golden
// files recorded from the oracle.
//
// The package holds only tests and test data. Each case is one file in
// testdata/cases/<area>/<name>.txt (format described in docs/difftest.md);
// its expected results live in testdata/golden/<area>/<name>.json and are
// regenerated from real nginx with
//
//	go test ./lab/difftest -update
//
// Useful flags: -engine=false (or RESTYLAB_DIFF_ENGINE=0) checks the oracle
// alone; -case='area/*' selects cases by glob.
//
// Concurrency: each case starts its own servers in its own prefix
// directory on its own loopback port; at most two cases run at a time.
package difftest
