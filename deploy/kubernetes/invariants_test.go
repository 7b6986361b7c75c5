package manifests

import (
	"errors"
	"fmt"
	"net"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/restylab/restylab/sandbox"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Measured figures the resources are sized from (docs/scaling.md, "What
// one machine holds": `go run ./bench/classroom -n 100`, 2026-12-03, a
// class applying, checking and firing bursts every 5 s): the lab's own
// peak RSS and the median instance's PSS (its RSS less its share of the
// binary's pages, which every instance maps and the node holds once),
// rounded up.
const (
	labRSS      = 90 << 20
	instanceRSS = 30 << 20
)

// sessionCookieLifetime is how long the lab's session cookie lasts
// (web/cookie.go, setSessionCookie): the route cookie must last as long, or
// a learner coming back is routed to a replica that does not know them.
const sessionCookieLifetime = 365 * 24 * time.Hour

// ingress-nginx's annotations for cookie affinity
// (https://kubernetes.github.io/ingress-nginx/examples/affinity/cookie/).
const (
	annAffinity     = "nginx.ingress.kubernetes.io/affinity"
	annAffinityMode = "nginx.ingress.kubernetes.io/affinity-mode"
	annCookieName   = "nginx.ingress.kubernetes.io/session-cookie-name"
	annCookiePath   = "nginx.ingress.kubernetes.io/session-cookie-path"
	annCookieMaxAge = "nginx.ingress.kubernetes.io/session-cookie-max-age"
)

// check returns every broken invariant of the deployment: what the lab
// needs from its pod, and what a learner needs to stay on one replica.
func (m *manifests) check() error {
	if len(m.statefulSets) != 1 {
		return fmt.Errorf("want one StatefulSet, have %d", len(m.statefulSets))
	}
	if len(m.ingresses) != 1 {
		return fmt.Errorf("want one Ingress, have %d", len(m.ingresses))
	}
	c := &checker{m: m}
	c.podSpec()
	c.container()
	c.services()
	c.ingress()
	c.selectors()
	return errors.Join(c.errs...)
}

// checker gathers the broken invariants.
type checker struct {
	m    *manifests
	errs []error
}

func (c *checker) errorf(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf(format, args...))
}

func (c *checker) pod() *corev1.PodTemplateSpec { return &c.m.statefulSets[0].Spec.Template }

// lab is the lab's container: the one named restylab, else the first.
func (c *checker) lab() *corev1.Container {
	cs := c.pod().Spec.Containers
	for i := range cs {
		if cs[i].Name == "restylab" {
			return &cs[i]
		}
	}
	if len(cs) > 0 {
		return &cs[0]
	}
	return nil
}

// env returns the value of a plain environment variable of the lab's
// container and whether it is set.
func (c *checker) env(name string) (*corev1.EnvVar, bool) {
	for i, e := range c.lab().Env {
		if e.Name == name {
			return &c.lab().Env[i], true
		}
	}
	return nil, false
}

// podSpec: the pod runs as a non-root user, gets no Service variables in
// its RESTYLAB_* namespace and no API token.
func (c *checker) podSpec() {
	spec := c.pod().Spec
	if spec.EnableServiceLinks == nil || *spec.EnableServiceLinks {
		c.errorf("pod: enableServiceLinks must be false (a Service named restylab sets RESTYLAB_SERVICE_HOST, RESTYLAB_PORT, ... beside the lab's settings)")
	}
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		c.errorf("pod: automountServiceAccountToken must be false (the lab has no use for the API, learners' code none either)")
	}
	sts := c.m.statefulSets[0]
	if len(sts.Spec.VolumeClaimTemplates) == 0 {
		c.errorf("StatefulSet %s: no volumeClaimTemplates: each replica needs a volume of its own for its store", sts.Name)
	}
	if sts.Spec.ServiceName == "" {
		c.errorf("StatefulSet %s: no serviceName (the headless Service)", sts.Name)
	}
}

// container: image, command, probes, port, data volume, secrets,
// resources, security context.
func (c *checker) container() {
	ctr := c.lab()
	if ctr == nil {
		c.errorf("pod: no container")
		return
	}
	if ctr.Image == "" {
		c.errorf("container %s: no image", ctr.Name)
	}
	port, ok := containerPort(ctr, "http")
	if !ok {
		c.errorf("container %s: no port named http", ctr.Name)
		return
	}

	// RESTYLAB_ADDR listens on the container port.
	if addr, ok := c.env("RESTYLAB_ADDR"); !ok {
		c.errorf("container %s: RESTYLAB_ADDR is not set", ctr.Name)
	} else if _, p, err := net.SplitHostPort(addr.Value); err != nil || p != strconv.Itoa(int(port)) {
		c.errorf("container %s: RESTYLAB_ADDR %q does not listen on the container port %d", ctr.Name, addr.Value, port)
	}

	// Probes on the lab's port.
	c.probe(ctr, "readinessProbe", ctr.ReadinessProbe, "/readyz", port, true)
	c.probe(ctr, "livenessProbe", ctr.LivenessProbe, "/healthz", port, true)
	c.probe(ctr, "startupProbe", ctr.StartupProbe, "/healthz", port, false)

	// The data dir is the claim's mount.
	claims := map[string]bool{}
	for _, t := range c.m.statefulSets[0].Spec.VolumeClaimTemplates {
		claims[t.Name] = true
	}
	if dir, ok := c.env("RESTYLAB_DATA"); !ok || dir.Value == "" {
		c.errorf("container %s: RESTYLAB_DATA is not set", ctr.Name)
	} else {
		mounted := ""
		for _, vm := range ctr.VolumeMounts {
			if path.Clean(vm.MountPath) == path.Clean(dir.Value) {
				mounted = vm.Name
			}
		}
		switch {
		case mounted == "":
			c.errorf("container %s: nothing is mounted at RESTYLAB_DATA %s: the store would die with the container", ctr.Name, dir.Value)
		case !claims[mounted]:
			c.errorf("container %s: RESTYLAB_DATA %s is volume %q, not one of the volumeClaimTemplates", ctr.Name, dir.Value, mounted)
		}
	}

	// The teacher's password comes from a Secret.
	if pw, ok := c.env("RESTYLAB_TEACHER_PASSWORD"); !ok {
		c.errorf("container %s: RESTYLAB_TEACHER_PASSWORD is not set", ctr.Name)
	} else if pw.Value != "" || pw.ValueFrom == nil || pw.ValueFrom.SecretKeyRef == nil {
		c.errorf("container %s: RESTYLAB_TEACHER_PASSWORD must come from a Secret (valueFrom.secretKeyRef), not a literal", ctr.Name)
	}

	c.resources(ctr)
	c.security(ctr)
}

// containerPort returns the number of the container's port named name.
func containerPort(ctr *corev1.Container, name string) (int32, bool) {
	for _, p := range ctr.Ports {
		if p.Name == name {
			return p.ContainerPort, true
		}
	}
	return 0, false
}

// resolvePort returns the container port a named or numbered port means.
func resolvePort(ctr *corev1.Container, p intstr.IntOrString) (int32, bool) {
	if p.Type == intstr.String {
		return containerPort(ctr, p.StrVal)
	}
	return p.IntVal, p.IntVal != 0
}

// probe checks that an HTTP probe asks path on the lab's port.
func (c *checker) probe(ctr *corev1.Container, field string, p *corev1.Probe, want string, port int32, required bool) {
	if p == nil {
		if required {
			c.errorf("container %s: no %s", ctr.Name, field)
		}
		return
	}
	if p.HTTPGet == nil {
		c.errorf("container %s: %s is not an HTTP GET of %s", ctr.Name, field, want)
		return
	}
	if p.HTTPGet.Path != want {
		c.errorf("container %s: %s asks %q, want %q", ctr.Name, field, p.HTTPGet.Path, want)
	}
	if got, ok := resolvePort(ctr, p.HTTPGet.Port); !ok || got != port {
		c.errorf("container %s: %s asks port %s, not the lab's port %d", ctr.Name, field, p.HTTPGet.Port.String(), port)
	}
}

// resources: requests cover the lab and RESTYLAB_MAX_INSTANCES live
// instances at their measured memory (PSS); the memory limit leaves room for two
// instances growing to their Go memory limit; no limit below a request.
func (c *checker) resources(ctr *corev1.Container) {
	maxInst := 0
	if e, ok := c.env("RESTYLAB_MAX_INSTANCES"); !ok {
		c.errorf("container %s: RESTYLAB_MAX_INSTANCES is not set (the default is not sized for the pod)", ctr.Name)
	} else if n, err := strconv.Atoi(e.Value); err != nil || n <= 0 {
		c.errorf("container %s: RESTYLAB_MAX_INSTANCES %q is not a positive number", ctr.Name, e.Value)
	} else {
		maxInst = n
	}
	req, lim := ctr.Resources.Requests, ctr.Resources.Limits
	cpu, hasCPU := req[corev1.ResourceCPU]
	if !hasCPU || cpu.Cmp(resource.MustParse("1")) < 0 {
		c.errorf("container %s: requests.cpu must be at least 1 (have %v)", ctr.Name, cpu.String())
	}
	mem, hasMem := req[corev1.ResourceMemory]
	need := int64(labRSS + maxInst*instanceRSS)
	if !hasMem || mem.Value() < need {
		c.errorf("container %s: requests.memory %s is below the lab (%d MiB) plus %d instances of %d MiB: %d MiB",
			ctr.Name, mem.String(), labRSS>>20, maxInst, instanceRSS>>20, need>>20)
	}
	limMem, hasLim := lim[corev1.ResourceMemory]
	room := mem.Value() + 2*sandbox.DefaultMemoryLimit
	if !hasLim || limMem.Value() < room {
		c.errorf("container %s: limits.memory %s leaves no room for two instances at their Go memory limit (%d MiB each) over the request: want at least %d MiB",
			ctr.Name, limMem.String(), sandbox.DefaultMemoryLimit>>20, room>>20)
	}
	for name, l := range lim {
		if r, ok := req[name]; ok && l.Cmp(r) < 0 {
			c.errorf("container %s: limits.%s %s is below requests.%s %s", ctr.Name, name, l.String(), name, r.String())
		}
	}
}

// security: a non-root user, no privilege escalation, no capabilities, a
// read-only root with a writable /tmp for the instances' workspaces.
func (c *checker) security(ctr *corev1.Container) {
	pod := c.pod().Spec.SecurityContext
	sc := ctr.SecurityContext
	if sc == nil {
		sc = &corev1.SecurityContext{}
	}
	nonRoot := sc.RunAsNonRoot
	if nonRoot == nil && pod != nil {
		nonRoot = pod.RunAsNonRoot
	}
	if nonRoot == nil || !*nonRoot {
		c.errorf("container %s: runAsNonRoot is not true", ctr.Name)
	}
	uid := sc.RunAsUser
	if uid == nil && pod != nil {
		uid = pod.RunAsUser
	}
	if uid == nil || *uid == 0 {
		c.errorf("container %s: runAsUser must name the image's non-root user (65534)", ctr.Name)
	}
	if pod == nil || pod.FSGroup == nil {
		c.errorf("pod: no fsGroup: the data volume would not be writable by the lab's user")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		c.errorf("container %s: allowPrivilegeEscalation must be false", ctr.Name)
	}
	if sc.Privileged != nil && *sc.Privileged {
		c.errorf("container %s: privileged", ctr.Name)
	}
	dropsAll := false
	if sc.Capabilities != nil {
		for _, d := range sc.Capabilities.Drop {
			dropsAll = dropsAll || d == "ALL"
		}
	}
	if !dropsAll {
		c.errorf("container %s: capabilities must drop ALL (the sandbox needs none)", ctr.Name)
	}
	if sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem {
		tmp := false
		for _, vm := range ctr.VolumeMounts {
			tmp = tmp || path.Clean(vm.MountPath) == "/tmp"
		}
		if !tmp {
			c.errorf("container %s: a read-only root needs a volume at /tmp (the sandbox's workspaces, sandbox.Config.TempDir)", ctr.Name)
		}
	}
}

// services: the headless Service the StatefulSet names, and every
// Service's target port is the lab's.
func (c *checker) services() {
	sts := c.m.statefulSets[0]
	ctr := c.lab()
	headless := false
	for _, s := range c.m.services {
		if s.Name == sts.Spec.ServiceName {
			headless = s.Spec.ClusterIP == corev1.ClusterIPNone
		}
		for _, p := range s.Spec.Ports {
			target := p.TargetPort
			if target.Type == intstr.Int && target.IntVal == 0 {
				target = intstr.FromInt32(p.Port)
			}
			if ctr != nil {
				if got, ok := resolvePort(ctr, target); !ok || !hasPort(ctr, got) {
					c.errorf("Service %s: port %s targets %s, not a port of the lab's container", s.Name, p.Name, target.String())
				}
			}
		}
	}
	if !headless {
		c.errorf("StatefulSet %s: serviceName %q is not a headless Service (clusterIP: None) of the manifests", sts.Name, sts.Spec.ServiceName)
	}
}

func hasPort(ctr *corev1.Container, n int32) bool {
	for _, p := range ctr.Ports {
		if p.ContainerPort == n {
			return true
		}
	}
	return false
}

// ingress: cookie affinity that keeps a learner on one replica for as
// long as their session, a cookie the lab keeps from the instances, and a
// backend that is the plain Service, at the lab's base path.
func (c *checker) ingress() {
	ing := c.m.ingresses[0]
	ann := ing.Annotations
	if ann[annAffinity] != "cookie" {
		c.errorf("Ingress %s: %s is %q, want cookie", ing.Name, annAffinity, ann[annAffinity])
	}
	if ann[annAffinityMode] != "persistent" {
		c.errorf("Ingress %s: %s is %q, want persistent (balanced moves learners when replicas are added)", ing.Name, annAffinityMode, ann[annAffinityMode])
	}
	if name := ann[annCookieName]; !strings.HasPrefix(name, "restylab_") {
		c.errorf("Ingress %s: %s %q must start with restylab_ (the lab's proxy keeps its own cookies from the instances)", ing.Name, annCookieName, name)
	}
	if age, err := strconv.Atoi(ann[annCookieMaxAge]); err != nil || time.Duration(age)*time.Second < sessionCookieLifetime {
		c.errorf("Ingress %s: %s %q is shorter than the session cookie's lifetime (%d s)", ing.Name, annCookieMaxAge, ann[annCookieMaxAge], int(sessionCookieLifetime.Seconds()))
	}

	base := "/"
	if e, ok := c.env("RESTYLAB_BASE_PATH"); ok && e.Value != "" {
		base = e.Value
	}
	if p := ann[annCookiePath]; p != base {
		c.errorf("Ingress %s: %s %q, want the lab's base path %q (a narrower path leaves requests without the cookie)", ing.Name, annCookiePath, p, base)
	}
	if len(ing.Spec.Rules) == 0 {
		c.errorf("Ingress %s: no rules", ing.Name)
	}
	for _, rule := range ing.Spec.Rules {
		if rule.HTTP == nil {
			c.errorf("Ingress %s: rule for %q has no http paths", ing.Name, rule.Host)
			continue
		}
		for _, p := range rule.HTTP.Paths {
			if p.Path != base {
				c.errorf("Ingress %s: path %q is not the lab's base path %q", ing.Name, p.Path, base)
			}
			if p.Backend.Service == nil {
				c.errorf("Ingress %s: path %q has no Service backend", ing.Name, p.Path)
				continue
			}
			c.backend(ing.Name, p.Backend.Service.Name, p.Backend.Service.Port.Name, p.Backend.Service.Port.Number)
		}
	}
}

// backend checks that an Ingress backend is a port of a Service of the
// manifests that is not headless.
func (c *checker) backend(ing, svc, portName string, portNumber int32) {
	for _, s := range c.m.services {
		if s.Name != svc {
			continue
		}
		if s.Spec.ClusterIP == corev1.ClusterIPNone {
			c.errorf("Ingress %s: backend %s is the headless Service", ing, svc)
		}
		for _, p := range s.Spec.Ports {
			if (portName != "" && p.Name == portName) || (portName == "" && p.Port == portNumber) {
				return
			}
		}
		c.errorf("Ingress %s: Service %s has no port %s%d", ing, svc, portName, portNumber)
		return
	}
	c.errorf("Ingress %s: backend Service %q is not in the manifests", ing, svc)
}

// selectors: the StatefulSet's, the Services', the budget's and the
// network policy's selectors all pick the lab's pods.
func (c *checker) selectors() {
	podLabels := labels.Set(c.pod().Labels)
	sts := c.m.statefulSets[0]
	match := func(what string, ls *metav1.LabelSelector) {
		sel, err := metav1.LabelSelectorAsSelector(ls)
		if err != nil {
			c.errorf("%s: selector: %v", what, err)
			return
		}
		if ls == nil || sel.Empty() || !sel.Matches(podLabels) {
			c.errorf("%s: selector does not pick the lab's pods (labels %v)", what, podLabels)
		}
	}
	match("StatefulSet "+sts.Name, sts.Spec.Selector)
	for _, s := range c.m.services {
		if len(s.Spec.Selector) == 0 || !labels.SelectorFromSet(s.Spec.Selector).Matches(podLabels) {
			c.errorf("Service %s: selector %v does not pick the lab's pods (labels %v)", s.Name, s.Spec.Selector, podLabels)
		}
	}
	for _, d := range c.m.disruptions {
		match("PodDisruptionBudget "+d.Name, d.Spec.Selector)
	}
	for _, n := range c.m.networkPolicies {
		match("NetworkPolicy "+n.Name, &n.Spec.PodSelector)
	}
}
