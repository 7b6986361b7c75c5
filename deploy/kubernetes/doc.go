// Package manifests holds RestyLab's Kubernetes manifests (the YAML files
// in this directory: a StatefulSet with a volume per replica, a headless and
// a plain Service, an Ingress with cookie affinity, a PodDisruptionBudget
// and a NetworkPolicy; docs/scaling.md explains them) and, in its tests,
// their schema check: every document is decoded strictly into the typed
// Kubernetes API structs, so a misspelt or misplaced field fails `go test`,
// and the invariants the lab relies on are checked (probes, the data
// volume, session affinity, resources, a non-root user).
//
// The package has no code of its own: `kubectl apply -f deploy/kubernetes/`
// reads only the YAML files.
package manifests
