package manifests

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// load decodes the manifests of this directory strictly, failing the test
// on any error.
func load(t *testing.T) *manifests {
	t.Helper()
	m, err := loadDir(".")
	if err != nil {
		t.Fatalf("the manifests do not decode strictly:\n%v", err)
	}
	return m
}

// TestManifests decodes every manifest strictly into the typed API structs
// and checks the deployment's invariants.
func TestManifests(t *testing.T) {
	m := load(t)
	if len(m.services) != 2 || len(m.disruptions) != 1 || len(m.networkPolicies) != 1 {
		t.Errorf("objects: %d StatefulSet, %d Service, %d Ingress, %d PodDisruptionBudget, %d NetworkPolicy; want 1, 2, 1, 1, 1",
			len(m.statefulSets), len(m.services), len(m.ingresses), len(m.disruptions), len(m.networkPolicies))
	}
	if err := m.check(); err != nil {
		t.Errorf("broken invariants:\n%v", err)
	}
}

// TestBrokenManifests: a broken manifest in testdata is refused with the
// file, the line and the field.
func TestBrokenManifests(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"typo.yaml", []string{"typo.yaml:19:", `unknown field "spec.template.spec.containers[0].readinesProbe"`}},
		{"case.yaml", []string{"case.yaml:15:", `unknown field "spec.template.spec.containers[0].ports[0].ContainerPort"`}},
		{"misplaced.yaml", []string{"misplaced.yaml:17:", `unknown field "spec.template.spec.volumeClaimTemplates"`}},
		{"duplicate.yaml", []string{"duplicate.yaml:11:", `line 11: key "targetPort" already set`}},
		{"wrongtype.yaml", []string{"wrongtype.yaml:1:", "cannot unmarshal number into Go struct field", "of type string"}},
		{"unknownkind.yaml", []string{"unknownkind.yaml:1:", "no schema for apps/v1 Deployment"}},
		{"secondobject.yaml", []string{"secondobject.yaml:14:", `unknown field "spec.clusterIp"`}},
		{"nokind.yaml", []string{"nokind.yaml:1:", "no apiVersion or kind"}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			err = (&manifests{}).decodeFile(tc.file, data)
			if err == nil {
				t.Fatalf("%s decoded without an error", tc.file)
			}
			t.Log(err)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// TestTypoInRealManifest misspells one field of a real manifest at a time:
// each is refused, at its line.
func TestTypoInRealManifest(t *testing.T) {
	tests := []struct {
		file, field, typo string
	}{
		{"statefulset.yaml", "readinessProbe:", "readinesProbe:"},
		{"statefulset.yaml", "runAsNonRoot:", "runAsNonroot:"},
		{"statefulset.yaml", "volumeClaimTemplates:", "volumeClaimTemplate:"},
		{"statefulset.yaml", "mountPath:", "mountpath:"},
		{"service.yaml", "publishNotReadyAddresses:", "publishNotReadyAddress:"},
		{"ingress.yaml", "ingressClassName:", "ingressClass:"},
		{"poddisruptionbudget.yaml", "maxUnavailable:", "maxUnavailible:"},
		{"networkpolicy.yaml", "policyTypes:", "policyType:"},
	}
	for _, tc := range tests {
		t.Run(tc.file+"/"+tc.typo, func(t *testing.T) {
			data, err := os.ReadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			text := string(data)
			i := strings.Index(text, tc.field)
			if i < 0 {
				t.Fatalf("%s has no %q to misspell", tc.file, tc.field)
			}
			line := 1 + strings.Count(text[:i], "\n")
			broken := text[:i] + tc.typo + text[i+len(tc.field):]
			err = (&manifests{}).decodeFile(tc.file, []byte(broken))
			if err == nil {
				t.Fatalf("%s with %q decoded without an error", tc.file, tc.typo)
			}
			name := strings.TrimSuffix(tc.typo, ":")
			for _, w := range []string{tc.file + ":" + strconv.Itoa(line) + ":", "unknown field", name + `"`} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// TestInvariantsCatch breaks one invariant of the real manifests at a
// time: check names it.
func TestInvariantsCatch(t *testing.T) {
	lab := func(m *manifests) *corev1.Container { return &m.statefulSets[0].Spec.Template.Spec.Containers[0] }
	setEnv := func(m *manifests, name, value string) {
		for i := range lab(m).Env {
			if lab(m).Env[i].Name == name {
				lab(m).Env[i].Value = value
				lab(m).Env[i].ValueFrom = nil
			}
		}
	}
	ann := func(m *manifests, k, v string) { m.ingresses[0].Annotations[k] = v }
	tests := []struct {
		name   string
		mutate func(m *manifests)
		want   string
	}{
		{"readiness on /healthz", func(m *manifests) { lab(m).ReadinessProbe.HTTPGet.Path = "/healthz" }, `readinessProbe asks "/healthz", want "/readyz"`},
		{"liveness elsewhere", func(m *manifests) { lab(m).LivenessProbe.HTTPGet.Port = intstr.FromInt(9090) }, "livenessProbe asks port 9090"},
		{"no readiness", func(m *manifests) { lab(m).ReadinessProbe = nil }, "no readinessProbe"},
		{"addr on another port", func(m *manifests) { setEnv(m, "RESTYLAB_ADDR", ":9000") }, `RESTYLAB_ADDR ":9000" does not listen`},
		{"data dir not the volume", func(m *manifests) { setEnv(m, "RESTYLAB_DATA", "/var/lib/restylab") }, "nothing is mounted at RESTYLAB_DATA /var/lib/restylab"},
		{"data dir on tmp", func(m *manifests) { setEnv(m, "RESTYLAB_DATA", "/tmp") }, `is volume "tmp", not one of the volumeClaimTemplates`},
		{"password literal", func(m *manifests) { setEnv(m, "RESTYLAB_TEACHER_PASSWORD", "hunter2") }, "must come from a Secret"},
		{"more instances than memory", func(m *manifests) { setEnv(m, "RESTYLAB_MAX_INSTANCES", "200") }, "requests.memory 2304Mi is below"},
		{"no memory limit", func(m *manifests) { delete(lab(m).Resources.Limits, corev1.ResourceMemory) }, "limits.memory 0 leaves no room"},
		{"no cpu request", func(m *manifests) { delete(lab(m).Resources.Requests, corev1.ResourceCPU) }, "requests.cpu must be at least 1"},
		{"cpu limit below request", func(m *manifests) { lab(m).Resources.Limits[corev1.ResourceCPU] = resource.MustParse("500m") }, "limits.cpu 500m is below requests.cpu 2"},
		{"root", func(m *manifests) {
			no := false
			m.statefulSets[0].Spec.Template.Spec.SecurityContext.RunAsNonRoot = &no
			lab(m).SecurityContext.RunAsNonRoot = nil
		}, "runAsNonRoot is not true"},
		{"uid 0", func(m *manifests) {
			zero := int64(0)
			m.statefulSets[0].Spec.Template.Spec.SecurityContext.RunAsUser = &zero
		}, "runAsUser must name"},
		{"escalation", func(m *manifests) { yes := true; lab(m).SecurityContext.AllowPrivilegeEscalation = &yes }, "allowPrivilegeEscalation must be false"},
		{"service links", func(m *manifests) { m.statefulSets[0].Spec.Template.Spec.EnableServiceLinks = nil }, "enableServiceLinks must be false"},
		{"no tmp", func(m *manifests) { lab(m).VolumeMounts = lab(m).VolumeMounts[:1] }, "needs a volume at /tmp"},
		{"no affinity", func(m *manifests) { delete(m.ingresses[0].Annotations, annAffinity) }, `affinity is "", want cookie`},
		{"balanced", func(m *manifests) { ann(m, annAffinityMode, "balanced") }, `affinity-mode is "balanced", want persistent`},
		{"cookie name", func(m *manifests) { ann(m, annCookieName, "route") }, `"route" must start with restylab_`},
		{"short cookie", func(m *manifests) { ann(m, annCookieMaxAge, "3600") }, `session-cookie-max-age "3600" is shorter`},
		{"cookie path", func(m *manifests) { ann(m, annCookiePath, "/s") }, `session-cookie-path "/s", want the lab's base path "/"`},
		{"base path", func(m *manifests) { setEnv(m, "RESTYLAB_BASE_PATH", "/lab") }, `path "/" is not the lab's base path "/lab"`},
		{"headless backend", func(m *manifests) {
			m.ingresses[0].Spec.Rules[0].HTTP.Paths[0].Backend.Service.Name = "restylab-headless"
		}, "backend restylab-headless is the headless Service"},
		{"serviceName", func(m *manifests) { m.statefulSets[0].Spec.ServiceName = "restylab" }, `serviceName "restylab" is not a headless Service`},
		{"service target", func(m *manifests) { m.services[1].Spec.Ports[0].TargetPort = intstr.FromString("web") }, "targets web, not a port"},
		{"selector", func(m *manifests) { m.services[0].Spec.Selector = map[string]string{"app": "other"} }, "Service restylab-headless: selector map[app:other] does not pick"},
		{"no claim", func(m *manifests) { m.statefulSets[0].Spec.VolumeClaimTemplates = nil }, "no volumeClaimTemplates"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := load(t)
			tc.mutate(m)
			err := m.check()
			if err == nil {
				t.Fatalf("check passed")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("check says:\n%v\nwant it to say %q", err, tc.want)
			}
		})
	}
}

// TestEnvIsDocumented: every RESTYLAB_* variable the manifests set is a
// setting of restylab serve, as docs/operations.md's table lists them
// (`--flag` `RESTYLAB_NAME`); a variable the lab does not read would be
// ignored (and logged as unknown), leaving its default in force.
func TestEnvIsDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	yamls, err := filepath.Glob("*.yaml")
	if err != nil || len(yamls) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	re := regexp.MustCompile(`name: (RESTYLAB_[A-Z_]+)`)
	for _, f := range yamls {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(data), -1) {
			if !strings.Contains(string(doc), "`"+m[1]+"`") {
				t.Errorf("%s sets %s, which docs/operations.md does not list as a setting of restylab serve", f, m[1])
			}
		}
	}
}
