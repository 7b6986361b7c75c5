package parse

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fullDump writes a tree with every field, lines included.
func fullDump(v reflect.Value, indent string, b *strings.Builder) {
	switch v.Kind() {
	case reflect.Ptr, reflect.Interface:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		fullDump(v.Elem(), indent, b)
	case reflect.Struct:
		b.WriteString(v.Type().Name() + "{")
		for i := 0; i < v.NumField(); i++ {
			b.WriteString("\n" + indent + "  " + v.Type().Field(i).Name + ": ")
			fullDump(v.Field(i), indent+"  ", b)
		}
		b.WriteString("}")
	case reflect.Slice:
		if v.IsNil() {
			b.WriteString("nil-slice")
			return
		}
		b.WriteString("[")
		for i := 0; i < v.Len(); i++ {
			b.WriteString("\n" + indent + "  ")
			fullDump(v.Index(i), indent+"  ", b)
		}
		b.WriteString("]")
	default:
		fmt.Fprintf(b, "%v", v)
	}
}

func TestSameTreeAsYacc(t *testing.T) {
	var files []string
	for _, g := range []string{"../_glua-tests/*.lua", "../testdata/*.lua", "../_lua5.1-tests/*.lua",
		"../../../lessons/content/*/*/lua/*.lua", "../../../lab/*/testdata/*/*.lua", "../../../lab/*/testdata/*/*/*.lua", "../../../lab/*/*.lua"} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	extra := map[string]string{
		"paren": "x = (f()) y = ((f())) z = (f)() w = ((a)) v = (...) u = (a+b) local q = (g():m()) r = {(f()), (...), f()}",
		"ops":   "x = -2^-3^4 .. 1 .. 2 + 3 * 4 - 5 / 6 % 7 < 8 and not #a or b >= c ~= d == e <= f > g",
		"tbl":   "t = {a = 1, [2] = 3, 4; f(); goto = 5, x,} t2 = {} t3 = {{}}",
		"goto":  "for i = 1, 3 do goto continue\nlocal z = 1\n::continue:: ; end goto = 1 local goto = 2",
		"fn":    "function a.b.c:d(x, y, ...) return end local function f(...) return ... end x = function() end",
		"stmts": "do end while x do break end repeat local a until a if a then elseif b then elseif c then else end if a then end for k, v in pairs(t) do end",
	}
	for name, src := range extra {
		p := filepath.Join(t.TempDir(), name+".lua")
		os.WriteFile(p, []byte(src), 0o644)
		files = append(files, p)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		old, oerr := parseYacc(strings.NewReader(string(src)), f)
		cur, nerr := Parse(strings.NewReader(string(src)), f)
		if oerr != nil && nerr != nil {
			continue
		}
		if oerr != nil || nerr != nil {
			t.Errorf("%s: old error %v, new error %v", f, oerr, nerr)
			continue
		}
		if !reflect.DeepEqual(old, cur) {
			var a, b strings.Builder
			fullDump(reflect.ValueOf(old), "", &a)
			fullDump(reflect.ValueOf(cur), "", &b)
			al, bl := strings.Split(a.String(), "\n"), strings.Split(b.String(), "\n")
			for i := range al {
				if i >= len(bl) || al[i] != bl[i] {
					lo := i - 15
					if lo < 0 {
						lo = 0
					}
					t.Errorf("%s: trees differ at dump line %d:\nold:\n%s\nnew:\n%s", f, i, strings.Join(al[lo:min(i+3, len(al))], "\n"), strings.Join(bl[lo:min(i+3, len(bl))], "\n"))
					break
				}
			}
		}
	}
}
