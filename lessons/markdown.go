package lessons

import (
	"bytes"
	"fmt"
	"html"
	"html/template"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"github.com/restylab/restylab/web/highlight"
)

// md renders lesson Markdown: GitHub tables and strikethrough, raw HTML left
// out (goldmark's default), fenced code highlighted by codeRenderer.
var md = goldmark.New(
	goldmark.WithExtensions(extension.Table, extension.Strikethrough),
	goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(codeRenderer{}, 100))),
)

// renderMarkdown renders a Markdown file.
func renderMarkdown(file, src string) (template.HTML, error) {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return "", fmt.Errorf("%s: render Markdown: %w", file, err)
	}
	return template.HTML(buf.String()), nil
}

// renderList renders a Markdown file that is one list, one HTML per item.
func renderList(file, src string) ([]template.HTML, error) {
	source := []byte(src)
	doc := md.Parser().Parse(text.NewReader(source))
	list, ok := doc.FirstChild().(*ast.List)
	if !ok || list.NextSibling() != nil {
		return nil, errAt(file, 0, "want one Markdown list, one item (\"- ...\") per hint, and nothing else")
	}
	var out []template.HTML
	for item := list.FirstChild(); item != nil; {
		next := item.NextSibling()
		one := ast.NewDocument()
		for c := item.FirstChild(); c != nil; {
			cn := c.NextSibling()
			one.AppendChild(one, c) // moves c out of the item
			c = cn
		}
		var buf bytes.Buffer
		if err := md.Renderer().Render(&buf, source, one); err != nil {
			return nil, fmt.Errorf("%s: render Markdown: %w", file, err)
		}
		out = append(out, template.HTML(strings.TrimSpace(buf.String())))
		item = next
	}
	return out, nil
}

// codeRenderer renders fenced and indented code blocks with the lab's
// chroma lexers (web/highlight): "nginx" (Lua blocks inside it as Lua) and
// "lua"; other languages as plain text. The spans carry chroma's classes, so
// highlight.CSS() styles them.
type codeRenderer struct{}

// RegisterFuncs implements renderer.NodeRenderer.
func (codeRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindFencedCodeBlock, renderCode)
	reg.Register(ast.KindCodeBlock, renderCode)
}

func renderCode(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	var code strings.Builder
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		code.Write(seg.Value(source))
	}
	name := "code.txt"
	if fc, ok := n.(*ast.FencedCodeBlock); ok {
		switch string(fc.Language(source)) {
		case "nginx", "conf":
			name = "nginx.conf"
		case "lua":
			name = "code.lua"
		}
	}
	hl, err := highlight.Lines(name, code.String(), 1, lines.Len())
	if err != nil {
		return ast.WalkStop, err
	}
	_, _ = w.WriteString(`<pre class="chroma"><code>`)
	for _, ln := range hl {
		for _, tok := range ln.Tokens {
			if tok.Class == "" {
				_, _ = w.WriteString(html.EscapeString(tok.Text))
				continue
			}
			fmt.Fprintf(w, `<span class="%s">%s</span>`, tok.Class, html.EscapeString(tok.Text))
		}
		_ = w.WriteByte('\n')
	}
	_, _ = w.WriteString("</code></pre>\n")
	return ast.WalkSkipChildren, nil
}
