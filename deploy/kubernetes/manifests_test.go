// Package kubernetes_test validates the deployment manifests as Kubernetes objects: strict decoding into
// the API types, the Secret keys ConductorOne documents, the env wiring and the probes.
package kubernetes_test

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"
)

// objects splits a multi-document YAML file and strictly decodes each document by kind.
func objects(t *testing.T, file string) (secrets []corev1.Secret, deployments []appsv1.Deployment, accounts []corev1.ServiceAccount) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range bytes.Split(raw, []byte("\n---\n")) {
		var meta struct {
			Kind string `json:"kind"`
		}
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		switch meta.Kind {
		case "Secret":
			var s corev1.Secret
			if err := yaml.UnmarshalStrict(doc, &s); err != nil {
				t.Fatalf("%s: Secret: %v", file, err)
			}
			secrets = append(secrets, s)
		case "Deployment":
			var d appsv1.Deployment
			if err := yaml.UnmarshalStrict(doc, &d); err != nil {
				t.Fatalf("%s: Deployment: %v", file, err)
			}
			deployments = append(deployments, d)
		case "ServiceAccount":
			var a corev1.ServiceAccount
			if err := yaml.UnmarshalStrict(doc, &a); err != nil {
				t.Fatalf("%s: ServiceAccount: %v", file, err)
			}
			accounts = append(accounts, a)
		default:
			t.Fatalf("%s: unexpected kind %q", file, meta.Kind)
		}
	}
	return secrets, deployments, accounts
}

func TestSecret_HasConductorOneDocumentedKeys(t *testing.T) {
	secrets, _, _ := objects(t, "secret.yaml")
	if len(secrets) != 1 {
		t.Fatalf("secret.yaml: %d secrets", len(secrets))
	}
	s := secrets[0]
	for _, k := range []string{"BATON_CLIENT_ID", "BATON_CLIENT_SECRET", "BATON_AZURE_CLIENT_ID", "BATON_AZURE_CLIENT_SECRET",
		"BATON_AZURE_TENANT_ID", "BATON_GRAPH_DOMAIN", "BATON_PROVISIONING", "BATON_MAILBOXSETTINGS", "BATON_SKIP_AD_GROUPS",
		"BATON_SKIP_UNUSED_ROLES", "BATON_SKIP_ENTRA_ID_P2_LICENSE_FEATURES"} {
		if _, ok := s.StringData[k]; !ok {
			t.Errorf("secret lacks %s", k)
		}
	}
}

func checkDeployment(t *testing.T, d appsv1.Deployment, secretName string) corev1.Container {
	t.Helper()
	if d.Name != "baton-azure" || d.Labels["baton"] != "true" || d.Labels["baton-app"] != "azure" {
		t.Errorf("deployment name/labels: %s %v", d.Name, d.Labels)
	}
	if sel := d.Spec.Selector.MatchLabels; sel["app"] != d.Spec.Template.Labels["app"] {
		t.Errorf("selector %v does not match template labels %v", sel, d.Spec.Template.Labels)
	}
	pod := d.Spec.Template.Spec
	if pod.SecurityContext == nil || pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot {
		t.Error("pod does not run as non-root")
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	var hostID bool
	memLimit := ""
	for _, e := range c.Env {
		hostID = hostID || e.Name == "BATON_HOST_ID"
		if e.Name == "GOMEMLIMIT" {
			memLimit = e.Value
		}
	}
	if !hostID {
		t.Error("BATON_HOST_ID not set")
	}
	if len(c.EnvFrom) != 1 || c.EnvFrom[0].SecretRef == nil || c.EnvFrom[0].SecretRef.Name != secretName {
		t.Errorf("envFrom does not reference secret %s: %+v", secretName, c.EnvFrom)
	}
	if !strings.Contains(strings.Join(c.Args, " "), "--health-check") {
		t.Errorf("health check not enabled: %v", c.Args)
	}
	for name, p := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Port.String() != "health" {
			t.Errorf("%s probe missing or not on the health port", name)
		}
	}
	if c.LivenessProbe != nil && c.LivenessProbe.HTTPGet.Path != "/live" || c.ReadinessProbe != nil && c.ReadinessProbe.HTTPGet.Path != "/ready" {
		t.Error("probes must use baton-sdk's /live and /ready")
	}
	// BENCHMARKS.md: a full sync of a ~10k-user tenant (azsim medium) peaked at 2.1 GiB; the request must
	// cover it and the limit leave headroom above the request.
	measuredPeak := resource.MustParse("2150Mi")
	if req := c.Resources.Requests.Memory(); req.Cmp(measuredPeak) < 0 {
		t.Errorf("memory request %s is below the measured medium peak %s", req, &measuredPeak)
	}
	if lim := c.Resources.Limits.Memory(); lim.Cmp(*c.Resources.Requests.Memory()) <= 0 {
		t.Errorf("memory limit %s must exceed the request %s", lim, c.Resources.Requests.Memory())
	}
	// GOMEMLIMIT (Go's syntax: bytes with a B, KiB, MiB or GiB suffix) must leave the container limit a
	// quarter of headroom for memory the Go runtime does not manage (Pebble's block cache, memtables).
	if soft, ok := goMemLimit(memLimit); !ok {
		t.Errorf("GOMEMLIMIT %q is not set to a Go memory limit such as 2GiB", memLimit)
	} else if lim := c.Resources.Limits.Memory().Value(); soft <= 0 || soft > lim*3/4 {
		t.Errorf("GOMEMLIMIT %s is not within (0, 75%%] of the container limit %s", memLimit, c.Resources.Limits.Memory())
	}
	if c.SecurityContext == nil || c.SecurityContext.ReadOnlyRootFilesystem == nil || !*c.SecurityContext.ReadOnlyRootFilesystem {
		t.Error("root filesystem must be read-only (with an emptyDir at /tmp for the c1z)")
	}
	return c
}

func TestDeployment_MatchesConductorOneShape(t *testing.T) {
	_, deps, _ := objects(t, "deployment.yaml")
	if len(deps) != 1 {
		t.Fatalf("%d deployments", len(deps))
	}
	checkDeployment(t, deps[0], "baton-azure-secrets")
}

func TestWorkloadIdentity_HasNoAzureSecret(t *testing.T) {
	secrets, deps, accounts := objects(t, "workload-identity.yaml")
	if len(deps) != 1 || len(accounts) != 1 || len(secrets) != 1 {
		t.Fatalf("want 1 deployment, 1 service account, 1 secret; got %d %d %d", len(deps), len(accounts), len(secrets))
	}
	if accounts[0].Annotations["azure.workload.identity/client-id"] == "" {
		t.Error("service account lacks azure.workload.identity/client-id")
	}
	for k := range secrets[0].StringData {
		if strings.HasPrefix(k, "BATON_AZURE_") {
			t.Errorf("workload identity secret carries Azure credential %s", k)
		}
	}
	d := deps[0]
	if d.Spec.Template.Labels["azure.workload.identity/use"] != "true" || d.Spec.Template.Spec.ServiceAccountName != accounts[0].Name {
		t.Error("pod is not enabled for workload identity")
	}
	c := checkDeployment(t, d, secrets[0].Name)
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	if env["BATON_USE_WORKLOAD_IDENTITY"] != "true" || env["BATON_AZURE_TENANT_ID"] == "" || env["BATON_AZURE_CLIENT_ID"] == "" {
		t.Errorf("workload identity env incomplete: %v", env)
	}
}

// goMemLimit parses the GOMEMLIMIT syntax of the Go runtime (an integer with an optional B, KiB, MiB, GiB or
// TiB suffix).
func goMemLimit(v string) (int64, bool) {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(v, u.suffix) {
			v, mult = strings.TrimSuffix(v, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n * mult, err == nil && v != ""
}
