package highlight

import (
	"strings"
	"testing"
)

func TestSplitLuaBlocks(t *testing.T) {
	conf := "http {\n  location / {\n    content_by_lua_block {\n      local t = {1}\n      ngx.say(\"}\") -- }\n    }\n  }\n}\n"
	spans := splitLuaBlocks(conf)
	var lua []string
	var all strings.Builder
	for _, sp := range spans {
		all.WriteString(sp.text)
		if sp.lua {
			lua = append(lua, sp.text)
		}
	}
	if all.String() != conf {
		t.Fatalf("spans do not add up to the input:\n%s", all.String())
	}
	want := "\n      local t = {1}\n      ngx.say(\"}\") -- }\n    "
	if len(lua) != 1 || lua[0] != want {
		t.Fatalf("lua spans %q, want [%q]", lua, want)
	}
}

func TestFile(t *testing.T) {
	out, err := File("nginx.conf", "location / {\n  content_by_lua_block {\n    local x = 'a<b'\n  }\n}\n")
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{`class="chroma"`, "a&lt;b", `<span class="kd">local</span>`} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if !strings.Contains(CSS(), "html[data-theme=dark] .chroma") {
		t.Error("CSS lacks the dark theme rules")
	}
}

func TestLexers(t *testing.T) {
	tests := []struct {
		name, file, src string
		want            []string
	}{
		{"lua", "lua/m.lua", "local s = [[a]] -- c\nreturn ngx.say(\"x\", 1.5)", []string{`<span class="kd">local</span>`, `<span class="s">[[a]]</span>`, `<span class="c1">-- c</span>`, `<span class="nb">ngx</span>`, `<span class="s2">&#34;x&#34;</span>`, `<span class="m">1.5</span>`}},
		{"nginx", "nginx.conf", "worker_processes 2; # n\nset $x \"v\";", []string{`<span class="k">worker_processes</span>`, `<span class="m">2</span>`, `<span class="c1"># n</span>`, `<span class="nv">$x</span>`, `<span class="s2">&#34;v&#34;</span>`}},
		{"plain", "notes.txt", "local x # y", []string{"local x # y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := File(tt.file, tt.src)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("lacks %s in\n%s", w, out)
				}
			}
		})
	}
}

func TestLines(t *testing.T) {
	conf := "http {\n  location / {\n    content_by_lua_block {\n      local x = \"a\" -- note\n      ngx.say(x)\n    }\n  }\n}\n"
	lines, err := Lines("nginx.conf", conf, 3, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 3 || lines[0].N != 3 || lines[2].N != 5 {
		t.Fatalf("lines %+v", lines)
	}
	var got []string
	for _, tok := range lines[1].Tokens {
		if tok.Class != "w" {
			got = append(got, tok.Class+":"+tok.Text)
		}
	}
	want := []string{"kd:local", "n:x", "o:=", `s2:"a"`, "c1:-- note"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("line 4 tokens %q, want %q (Lua inside the block is lexed as Lua)", got, want)
	}
	if lines, _ := Lines("nginx.conf", conf, 7, 99); len(lines) != 2 || lines[1].N != 8 {
		t.Fatalf("clamped range: %+v", lines)
	}
	if !strings.Contains(CSS(), ".hl") {
		t.Error("CSS lacks the line highlight")
	}
}
