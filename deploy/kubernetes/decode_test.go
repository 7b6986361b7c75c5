package manifests

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	sjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// manifests is every object of a set of manifest files, by kind.
type manifests struct {
	statefulSets    []*appsv1.StatefulSet
	services        []*corev1.Service
	ingresses       []*networkingv1.Ingress
	disruptions     []*policyv1.PodDisruptionBudget
	networkPolicies []*networkingv1.NetworkPolicy
}

// add returns an empty object of the typed API struct for apiVersion and
// kind, recorded in m; nil for a kind the deployment has no use for.
func (m *manifests) add(apiVersion, kind string) any {
	switch apiVersion + " " + kind {
	case "apps/v1 StatefulSet":
		o := &appsv1.StatefulSet{}
		m.statefulSets = append(m.statefulSets, o)
		return o
	case "v1 Service":
		o := &corev1.Service{}
		m.services = append(m.services, o)
		return o
	case "networking.k8s.io/v1 Ingress":
		o := &networkingv1.Ingress{}
		m.ingresses = append(m.ingresses, o)
		return o
	case "policy/v1 PodDisruptionBudget":
		o := &policyv1.PodDisruptionBudget{}
		m.disruptions = append(m.disruptions, o)
		return o
	case "networking.k8s.io/v1 NetworkPolicy":
		o := &networkingv1.NetworkPolicy{}
		m.networkPolicies = append(m.networkPolicies, o)
		return o
	}
	return nil
}

// document is one YAML document of a file and the line it starts on.
type document struct {
	line int
	text []byte
}

// documentSeparator is a line that ends one YAML document and starts the
// next ("---", possibly followed by a comment).
var documentSeparator = regexp.MustCompile(`^---\s*(#.*)?$`)

// splitDocuments splits a YAML stream at its "---" lines. Documents that
// hold only comments and blank lines are dropped.
func splitDocuments(data []byte) []document {
	var docs []document
	var cur bytes.Buffer
	start := 1
	flush := func() {
		if hasContent(cur.Bytes()) {
			docs = append(docs, document{line: start, text: bytes.Clone(cur.Bytes())})
		}
		cur.Reset()
	}
	for i, line := range strings.SplitAfter(string(data), "\n") {
		if documentSeparator.MatchString(strings.TrimRight(line, "\r\n")) {
			flush()
			start = i + 2
			continue
		}
		cur.WriteString(line)
	}
	flush()
	return docs
}

// hasContent reports whether a document holds more than comments and
// blank lines.
func hasContent(doc []byte) bool {
	for _, line := range strings.Split(string(doc), "\n") {
		t := strings.TrimSpace(line)
		if t != "" && !strings.HasPrefix(t, "#") {
			return true
		}
	}
	return false
}

// decodeFile decodes every document of the manifest file name strictly
// into the typed Kubernetes API structs, as the API server does with
// fieldValidation=Strict: a field the struct does not have (a typo, a
// field in the wrong place, a field name in the wrong case), a duplicate
// key, or a value of the wrong type is an error that says which file,
// line and field.
func (m *manifests) decodeFile(name string, data []byte) error {
	docs := splitDocuments(data)
	if len(docs) == 0 {
		return fmt.Errorf("%s: no Kubernetes object in the file", name)
	}
	var errs []error
	for _, doc := range docs {
		if err := m.decodeDocument(doc); err != nil {
			errs = append(errs, fmt.Errorf("%s:%w", name, err))
		}
	}
	return errors.Join(errs...)
}

// decodeDocument decodes one document; its errors start with a line number.
func (m *manifests) decodeDocument(doc document) error {
	js, err := yaml.YAMLToJSONStrict(doc.text)
	if err != nil {
		return yamlError(doc, err)
	}
	var tm metav1.TypeMeta
	if err := sjson.UnmarshalCaseSensitivePreserveInts(js, &tm); err != nil {
		return fmt.Errorf("%d: %w", doc.line, err)
	}
	if tm.APIVersion == "" || tm.Kind == "" {
		return fmt.Errorf("%d: the document has no apiVersion or kind", doc.line)
	}
	obj := m.add(tm.APIVersion, tm.Kind)
	if obj == nil {
		return fmt.Errorf("%d: no schema for %s %s in this check (add it to manifests.add)", doc.line, tm.APIVersion, tm.Kind)
	}
	strict, err := sjson.UnmarshalStrict(js, obj, sjson.DisallowDuplicateFields, sjson.DisallowUnknownFields)
	if err != nil {
		return fmt.Errorf("%d: %s %s: %w", doc.line, tm.APIVersion, tm.Kind, err)
	}
	var errs []error
	for _, e := range strict {
		errs = append(errs, fmt.Errorf("%d: %s %s: %w", fieldLine(doc, e), tm.APIVersion, tm.Kind, e))
	}
	return errors.Join(errs...)
}

// yamlLine finds the document's line numbers in the YAML parser's
// errors: `line 11: key "targetPort" already set in map`.
var yamlLine = regexp.MustCompile(`line (\d+):`)

// yamlError restates a YAML error of doc on one line, with the file's line
// numbers instead of the document's.
func yamlError(doc document, err error) error {
	first := doc.line
	msg := yamlLine.ReplaceAllStringFunc(err.Error(), func(s string) string {
		n, _ := strconv.Atoi(yamlLine.FindStringSubmatch(s)[1])
		if first == doc.line {
			first = doc.line + n - 1
		}
		return "line " + strconv.Itoa(doc.line+n-1) + ":"
	})
	return fmt.Errorf("%d: %s", first, strings.Join(strings.Fields(msg), " "))
}

// strictField finds the field path in sigs.k8s.io/json's strict errors:
// `unknown field "spec.template.spec.containers[0].readinesProbe"`.
var strictField = regexp.MustCompile(`field "([^"]*)"`)

// fieldLine is the line of the document where the field a strict error
// names is written (its last path element as a key), or the document's
// first line when it cannot tell.
func fieldLine(doc document, err error) int {
	match := strictField.FindStringSubmatch(err.Error())
	if match == nil {
		return doc.line
	}
	path := match[1]
	key := path[strings.LastIndexByte(path, '.')+1:]
	if i := strings.IndexByte(key, '['); i >= 0 {
		key = key[:i]
	}
	keyLine := regexp.MustCompile(`^\s*(-\s+)?"?` + regexp.QuoteMeta(key) + `"?\s*:`)
	for i, line := range strings.Split(string(doc.text), "\n") {
		if keyLine.MatchString(line) {
			return doc.line + i
		}
	}
	return doc.line
}

// loadDir decodes every .yaml file of dir (not its subdirectories).
func loadDir(dir string) (*manifests, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("list manifests in %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no .yaml file in %s", dir)
	}
	slices.Sort(files)
	m := &manifests{}
	var errs []error
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read manifest: %w", err)
		}
		if err := m.decodeFile(filepath.Base(f), data); err != nil {
			errs = append(errs, err)
		}
	}
	return m, errors.Join(errs...)
}
