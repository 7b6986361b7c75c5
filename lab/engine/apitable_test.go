package engine

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// walkNgxLua lists, one per line, every function a request can reach: the
// functions in ngx and its subtables, the cosocket object's methods and its
// receiveuntil reader, a shared dict's methods, the UDP socket's methods
// (ngx_lua only), require "ngx.balancer"'s
// functions, and the computed fields of ngx that are not nil.
const walkNgxLua = `
local seen, out = {}, {}
local function walk(t, prefix)
    if seen[t] then return end
    seen[t] = true
    for k, v in pairs(t) do
        if type(k) == "string" then
            if type(v) == "function" then
                out[#out + 1] = prefix .. k
            elseif type(v) == "table" and k ~= "shared" then
                walk(v, prefix .. k .. ".")
            end
        end
    end
end
walk(ngx, "ngx.")
local function methods(obj, prefix)
    for k, v in pairs(getmetatable(obj).__index) do
        if type(v) == "function" then out[#out + 1] = prefix .. k end
    end
end
local sock = ngx.socket.tcp()
methods(sock, "tcpsock:")
if type(sock:receiveuntil("x")) == "function" then out[#out + 1] = "tcpsock:receiveuntil reader" end
methods(ngx.shared.d, "ngx.shared.DICT:")
if ngx.socket.udp then methods(ngx.socket.udp(), "udpsock:") end
for k, v in pairs(require "ngx.balancer") do
    if type(v) == "function" then out[#out + 1] = "ngx.balancer." .. k end
end
for _, f in ipairs({"status", "ctx", "headers_sent", "is_subrequest", "var", "header", "arg"}) do
    if ngx[f] ~= nil then out[#out + 1] = "ngx." .. f .. " (field)" end
end
table.sort(out)
ngx.print(table.concat(out, "\n"))
`

// exposedName is how walkNgxLua names an apiTable entry.
func exposedName(e *apiEntry) string {
	if e.kind == kindField {
		base, _, _ := strings.Cut(e.name, " ")
		return base + " (field)"
	}
	return e.name
}

// TestAPITableMatchesNgx walks the ngx table of a running engine and checks
// that every function it exposes is in apiTable and every entry is exposed.
func TestAPITableMatchesNgx(t *testing.T) {
	_, base, _ := startEngine(t, 1, `
lua_shared_dict d 1m;
server {
    listen 127.0.0.1:{{PORT}};
    location /walk { content_by_lua_block {`+walkNgxLua+`} }
}`, Options{})
	code, body := get(t, base+"/walk")
	if code != 200 {
		t.Fatalf("GET /walk: %d %s", code, body)
	}
	exposed := map[string]bool{}
	for _, n := range strings.Split(body, "\n") {
		exposed[n] = true
	}
	if len(exposed) < 100 {
		t.Fatalf("the walk found only %d APIs: %q", len(exposed), body)
	}
	inTable := map[string]bool{}
	for i := range apiTable {
		inTable[exposedName(&apiTable[i])] = true
	}
	sameNames(t, exposed, inTable, "%s is exposed but not in apiTable", "%s is in apiTable but the engine does not expose it")
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// dynamicNeeds are the functions that call need() with a computed name
// (or needEntry with an entry), and the names they compute.
var dynamicNeeds = map[string][]string{
	"output":    {"ngx.say", "ngx.print"},
	"apiTimer":  {"ngx.timer.at", "ngx.timer.every"},
	"capture":   {"ngx.location.capture", "ngx.location.capture_multi"},
	"sockNew":   {"ngx.socket.tcp", "ngx.socket.stream", "ngx.socket.connect"},
	"checkUDP":  {"udpsock:setpeername", "udpsock:send", "udpsock:receive", "udpsock:close"},
	"checkSock": {"tcpsock:connect", "tcpsock:send", "tcpsock:receive", "tcpsock:receiveany", "tcpsock:receiveuntil", "tcpsock:close", "tcpsock:getreusedtimes", "tcpsock:setkeepalive"},
}

// TestAPITableNeeds reads the engine's source: every name given to need(),
// apiFunc() or setAPI() is in apiTable, and every entry whose phases are
// not all of them is checked by a need() call (so the table's phases are
// what the engine enforces, not a second copy).
func TestAPITableNeeds(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := map[string]bool{}
	dynamicSeen := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) < 2 {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				method := sel.Sel.Name
				if method == "needEntry" && fn.Name.Name != "need" {
					method = "need" // need with the entry looked up by the caller
				}
				if method != "need" && method != "apiFunc" && method != "setAPI" {
					return true
				}
				arg := call.Args[1]
				if method == "apiFunc" {
					arg = call.Args[0]
				}
				pos := fset.Position(call.Pos())
				lit, ok := arg.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					if method == "need" {
						if _, ok := dynamicNeeds[fn.Name.Name]; !ok {
							t.Errorf("%s: need() with a computed name in %s: add it to dynamicNeeds", pos, fn.Name.Name)
						}
						dynamicSeen[fn.Name.Name] = true
					}
					return true
				}
				name, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatalf("%s: %v", pos, err)
				}
				if apiByName[name] == nil {
					t.Errorf("%s: %s(%q): not in apiTable", pos, method, name)
				}
				if method == "need" {
					checked[name] = true
				}
				return true
			})
		}
	}
	for fn, names := range dynamicNeeds {
		if !dynamicSeen[fn] {
			t.Errorf("dynamicNeeds names %s, which has no need() with a computed name", fn)
		}
		for _, n := range names {
			if apiByName[n] == nil {
				t.Errorf("dynamicNeeds[%s]: %s is not in apiTable", fn, n)
			}
			checked[n] = true
		}
	}
	for _, e := range apiTable {
		if e.phases != inAll && !checked[e.name] {
			t.Errorf("%s: apiTable restricts its phases but no need() checks them", e.name)
		}
	}
}

// sameNames reports each name of have missing from want (extra's wording)
// and each name of want missing from have (missing's), in order.
func sameNames(t *testing.T, have, want map[string]bool, extra, missing string) {
	t.Helper()
	for _, n := range sortedKeys(have) {
		if !want[n] {
			t.Errorf(extra, n)
		}
	}
	for _, n := range sortedKeys(want) {
		if !have[n] {
			t.Errorf(missing, n)
		}
	}
}
