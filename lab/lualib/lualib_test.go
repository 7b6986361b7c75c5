package lualib

import (
	"math"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// evalLua runs code (a chunk returning one value) on L and returns it.
func evalLua(t *testing.T, L *lua.LState, code string) (lua.LValue, error) {
	t.Helper()
	top := L.GetTop()
	if err := L.DoString(code); err != nil {
		return nil, err
	}
	defer L.SetTop(top)
	return L.Get(-1), nil
}

func TestNullIsPerLState(t *testing.T) {
	L1, L2 := newLab(t), newLab(t)
	if Null(L1) != Null(L1) {
		t.Fatal("Null(L) is not stable within one LState")
	}
	if Null(L1) == Null(L2) {
		t.Fatal("two LStates share one null value")
	}
	v, err := evalLua(t, L1, `return ngx.null == require("cjson").null and ngx.null == require("cjson.safe").null`)
	if err != nil || v != lua.LTrue {
		t.Fatalf("ngx.null == cjson.null: %v, %v", v, err)
	}
}

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{1, "1"}, {-5, "-5"}, {0.1, "0.1"}, {1.0 / 3, "0.33333333333333"}, {1e15, "1e+15"},
		{123456789012, "123456789012"}, {math.Pow(2, 53), "9.007199254741e+15"}, {1e-5, "1e-05"},
		{math.Copysign(0, -1), "-0"}, {math.Inf(1), "inf"}, {math.Inf(-1), "-inf"}, {math.NaN(), "nan"},
	}
	for _, tt := range tests {
		if got := FormatNumber(tt.in); got != tt.want {
			t.Errorf("FormatNumber(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestToBit(t *testing.T) {
	tests := []struct {
		in   float64
		want int32
	}{
		{0, 0}, {-1, -1}, {1.5, 2}, {2.5, 2}, {-1.5, -2}, {math.Pow(2, 31), math.MinInt32},
		{math.Pow(2, 32) + 5, 5}, {1e20, 2025163840}, {math.Inf(1), 0}, {math.NaN(), 0},
	}
	for _, tt := range tests {
		if got := ToBit(tt.in); got != tt.want {
			t.Errorf("ToBit(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestHTTPDates(t *testing.T) {
	tests := []struct {
		sec             float64
		http, cookie    string
		parsesBackExact bool
	}{
		{0, "Thu, 01 Jan 1970 00:00:00 GMT", "Thu, 01-Jan-70 00:00:00 GMT", true},
		{1290079655, "Thu, 18 Nov 2010 11:27:35 GMT", "Thu, 18-Nov-10 11:27:35 GMT", true},
		{2145916800, "Fri, 01 Jan 2038 00:00:00 GMT", "Fri, 01-Jan-2038 00:00:00 GMT", true},
		{-5, "Thu, 01 Jan 1970 00:00:00 GMT", "Thu, 01-Jan-70 00:00:00 GMT", false},
		{1e12, "Fri, 31 Dec 9999 23:59:59 GMT", "Fri, 31-Dec-9999 23:59:59 GMT", false},
	}
	for _, tt := range tests {
		if got := HTTPTime(tt.sec); got != tt.http {
			t.Errorf("HTTPTime(%v) = %q, want %q", tt.sec, got, tt.http)
		}
		if got := CookieTime(tt.sec); got != tt.cookie {
			t.Errorf("CookieTime(%v) = %q, want %q", tt.sec, got, tt.cookie)
		}
		got, ok := ParseHTTPTime(tt.http)
		if tt.parsesBackExact && (!ok || got != int64(tt.sec)) {
			t.Errorf("ParseHTTPTime(%q) = %d, %v; want %v", tt.http, got, ok, tt.sec)
		}
	}
	if _, ok := ParseHTTPTime("Wed, 31 Dec 1969 23:59:59 GMT"); ok {
		t.Error("ParseHTTPTime of -1 must fail, as ngx_lua reads -1 as an error")
	}
}

func TestURICodecs(t *testing.T) {
	tests := []struct {
		in      string
		typ     int
		escaped string
	}{
		{"a b/c?d", escapeURIComponent, "a%20b%2Fc%3Fd"},
		{"a b/c?d", escapeURI, "a%20b/c%3Fd"},
		{"é~*'()!", escapeURIComponent, "%C3%A9~*'()!"},
		{"a+b", escapeArgs, "a%2Bb"},
		{"", escapeURIComponent, ""},
	}
	for _, tt := range tests {
		got := EscapeURI(tt.in, tt.typ)
		if got != tt.escaped {
			t.Errorf("EscapeURI(%q, %d) = %q, want %q", tt.in, tt.typ, got, tt.escaped)
		}
		if back := UnescapeURI(got); tt.typ == escapeURIComponent && back != tt.in {
			t.Errorf("UnescapeURI(%q) = %q, want %q", got, back, tt.in)
		}
	}
}

// fakeClock is a Clock with Update, for the time functions.
type fakeClock struct {
	now     time.Time
	updates int
}

func (c *fakeClock) Now() time.Time { return c.now }
func (c *fakeClock) Update()        { c.updates++; c.now = c.now.Add(1500 * time.Millisecond) }

func TestNgxClock(t *testing.T) {
	loc := time.FixedZone("X", 3*3600)
	old := time.Local
	time.Local = loc
	defer func() { time.Local = old }()

	clock := &fakeClock{now: time.Date(2024, 2, 29, 22, 30, 15, 123456789, time.UTC)}
	L := lua.NewState()
	defer L.Close()
	ngx := L.NewTable()
	RegisterNgx(L, ngx, clock)
	L.SetGlobal("ngx", ngx)

	tests := []struct{ code, want string }{
		{`return string.format("%.3f", ngx.now())`, "1709245815.123"},
		{`return ngx.time()`, "1709245815"},
		{`return ngx.today()`, "2024-03-01"},
		{`return ngx.localtime()`, "2024-03-01 01:30:15"},
		{`return ngx.utctime()`, "2024-02-29 22:30:15"},
		{`ngx.update_time() return string.format("%.3f", ngx.now())`, "1709245816.623"},
	}
	for _, tt := range tests {
		v, err := evalLua(t, L, tt.code)
		if err != nil {
			t.Fatalf("%s: %v", tt.code, err)
		}
		if v.String() != tt.want {
			t.Errorf("%s = %s, want %s", tt.code, v.String(), tt.want)
		}
	}
	if clock.updates != 1 {
		t.Errorf("ngx.update_time called Update %d times, want 1", clock.updates)
	}
}

func TestLimits(t *testing.T) {
	L := newLab(t) // limit 1 MiB
	tests := []struct {
		code    string
		wantErr string
	}{
		{`return #string.rep("x", 1048576)`, ""},
		{`return string.rep("x", 1048577)`, "string.rep: result of 1048577 bytes exceeds the lab's limit of 1048576 bytes"},
		{`return string.rep("ab", 2^40, ",")`, "exceeds the lab's limit of 1048576 bytes"},
		{`local s = string.rep("x", 1000) local t = {} for i = 1, 2000 do t[i] = s end return table.concat(t)`, "table.concat: result of more than 1048576 bytes"},
		{`local t = {} for i = 1, 20000 do t[i] = i end return #table.concat(t, ",")`, ""},
		{`return #require("table.new")(2^40, 2^40)`, ""},
		{`local t = {} t[2^40] = 1 return require("cjson").encode(t)`, ""},
	}
	for _, tt := range tests {
		_, err := evalLua(t, L, tt.code)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tt.code, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: error %v, want one containing %q", tt.code, err, tt.wantErr)
		}
	}
}

func TestCJSONSparseCap(t *testing.T) {
	L := newLab(t)
	_, err := evalLua(t, L, `local c = require("cjson").new() c.encode_sparse_array(false, 0) return c.encode({[`+itoa(MaxSparseArray+1)+`] = 1})`)
	if err == nil || !strings.Contains(err.Error(), "excessively sparse array") {
		t.Fatalf("encoding an array beyond MaxSparseArray: %v, want the sparse-array error", err)
	}
}

func TestCJSONSafeTypeError(t *testing.T) {
	L := newLab(t)
	v, err := evalLua(t, L, `local v, e = require("cjson.safe").decode({}) return tostring(v) .. "|" .. e`)
	if err != nil {
		t.Fatal(err)
	}
	if want := "nil|bad argument #1 to 'decode' (string expected, got table)"; v.String() != want {
		t.Errorf("cjson.safe.decode({}) = %q, want %q", v.String(), want)
	}
}
