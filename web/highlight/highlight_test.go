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
