package conf

import (
	"reflect"
	"testing"
)

func TestLexerWords(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"bare", "a b c;", []string{"a", "b", "c"}},
		{"double quoted escapes", `a "x\"y\tz\\w\q";`, []string{"a", "x\"y\tz\\w\\q"}},
		{"single quoted", `a 'it''s';`, nil}, // quote right after quote: nginx's "unexpected"
		{"comment", "a b # c;\n;", []string{"a", "b"}},
		{"hash inside word", "a b#c;", []string{"a", "b#c"}},
		{"variable braces", "set $x ${y}z;", []string{"set", "$x", "${y}z"}},
		{"escaped semicolon kept", `a b\;c;`, []string{"a", `b\;c`}}, // nginx decodes only \" \' \\ \t \r \n
		{"newline escape", `a "x\ny";`, []string{"a", "x\ny"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			words, kind, err := newLexer("f", []byte(tc.src)).next()
			if tc.want == nil {
				if err == nil {
					t.Fatalf("want error, got %v", words)
				}
				return
			}
			if err != nil || kind != tokEnd {
				t.Fatalf("next() = kind %v, err %v", kind, err)
			}
			var got []string
			for _, w := range words {
				got = append(got, w.s)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("words = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestReadLuaBlock(t *testing.T) {
	tests := []struct {
		name, body, code string
		lines            int // newlines consumed
	}{
		{"nested braces", " local t = { a = { } } }", " local t = { a = { } } ", 0},
		{"strings", ` x = "}" .. '}' .. "\"}" }`, ` x = "}" .. '}' .. "\"}" `, 0},
		{"line comment", " -- }\n x = 1 }", " -- }\n x = 1 ", 1},
		{"long comment", " --[==[ } ]] }\n ]==] }", " --[==[ } ]] }\n ]==] ", 1},
		{"long string", " x = [[ } ]] }", " x = [[ } ]] ", 0},
		{"index not long string", " x = t[ [[}]] ] }", " x = t[ [[}]] ] ", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lx := newLexer("f", []byte(tc.body+" rest;"))
			code, err := lx.readLuaBlock(1)
			if err != nil {
				t.Fatal(err)
			}
			if code != tc.code || lx.line != 1+tc.lines {
				t.Errorf("code %q line %d, want %q line %d", code, lx.line, tc.code, 1+tc.lines)
			}
			if words, _, err := lx.next(); err != nil || len(words) != 1 || words[0].s != "rest" {
				t.Errorf("after the block: %v %v", words, err)
			}
		})
	}
}

func TestParseValues(t *testing.T) {
	for in, want := range map[string]int64{"1": 1, "8k": 8192, "1m": 1 << 20, "2G": 2 << 30} {
		if got, ok := parseSize(in); !ok || got != want {
			t.Errorf("parseSize(%q) = %d %v", in, got, ok)
		}
	}
	for _, bad := range []string{"", "k", "1.5m", "-1", "1x"} {
		if _, ok := parseSize(bad); ok {
			t.Errorf("parseSize(%q) accepted", bad)
		}
	}
	for in, want := range map[string]string{"75": "1m15s", "75s": "1m15s", "500ms": "500ms", "1h30m": "1h30m0s", "1m30s": "1m30s"} {
		if got, ok := parseTime(in); !ok || got.String() != want {
			t.Errorf("parseTime(%q) = %v %v, want %s", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "1x", "30m1h", "s", "1s1s"} {
		if _, ok := parseTime(bad); ok {
			t.Errorf("parseTime(%q) accepted", bad)
		}
	}
	for in, want := range map[string]string{"8080": "0.0.0.0:8080", "*:81": "0.0.0.0:81", "127.0.0.1": "127.0.0.1:80",
		"localhost:9": "127.0.0.1:9", "[::1]:8080": "[::1]:8080", "[::]": "[::]:80"} {
		if got, err := parseListenAddr(in); err != nil || got != want {
			t.Errorf("parseListenAddr(%q) = %q %v, want %q", in, got, err, want)
		}
	}
}
