package gen

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

var update = flag.Bool("update", false, "rewrite testdata/<preset>.golden.json from the generator's output")

// testPresets are the presets cheap enough for every test run.
var testPresets = []string{"tiny", "small", "medium"}

// generate builds a preset world, applying optional changes to its spec first.
func generate(t testing.TB, preset string, seed uint64, change ...func(*Spec)) *world.World {
	t.Helper()
	s, err := PresetSpec(preset, seed)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range change {
		c(&s)
	}
	w, err := Generate(s)
	if err != nil {
		t.Fatalf("Generate(%s): %v", preset, err)
	}
	return w
}

func noP2(s *Spec) { s.NoP2 = true }

func truth(t testing.TB, w *world.World) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := w.WriteTruth(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGenerate_SameSpecSameTruth(t *testing.T) {
	for _, p := range testPresets {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			a, b := truth(t, generate(t, p, 7)), truth(t, generate(t, p, 7))
			if !bytes.Equal(a, b) {
				t.Fatalf("two generations of %s differ", p)
			}
		})
	}
}

func TestGenerate_IndependentOfParallelism(t *testing.T) {
	parallelTruth := truth(t, generate(t, "small", 3))
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	if serial := truth(t, generate(t, "small", 3)); !bytes.Equal(parallelTruth, serial) {
		t.Fatal("GOMAXPROCS=1 generation differs from the parallel one")
	}
}

func TestGenerate_DifferentSeedDifferentTruth(t *testing.T) {
	a, b := truth(t, generate(t, "tiny", 1)), truth(t, generate(t, "tiny", 2))
	if bytes.Equal(a, b) {
		t.Fatal("seeds 1 and 2 generate the same world")
	}
	if first := func(b []byte) string { return string(b[:bytes.IndexByte(b, '\n')]) }; first(a) == first(b) {
		t.Errorf("tenant line identical across seeds: %s", first(a))
	}
}

func TestGenerate_RecordsSpec(t *testing.T) {
	w := generate(t, "tiny", 42)
	if w.Preset != "tiny" || w.Seed != 42 || w.GeneratorVersion != Version {
		t.Errorf("world records preset %q seed %d version %d", w.Preset, w.Seed, w.GeneratorVersion)
	}
	if w.Tenant.DisplayName != "Contoso 42" || w.Tenant.DefaultDomain != "contoso42.onmicrosoft.com" {
		t.Errorf("tenant %q / %q", w.Tenant.DisplayName, w.Tenant.DefaultDomain)
	}
	if w.Tenant.SizeClass != "S" || !w.Tenant.HasP2 {
		t.Errorf("tenant size class %q, P2 %v", w.Tenant.SizeClass, w.Tenant.HasP2)
	}
}

func TestGoldenSummary(t *testing.T) {
	for _, p := range testPresets {
		t.Run(p, func(t *testing.T) {
			got, err := json.MarshalIndent(Summarize(generate(t, p, 1)), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", p+".golden.json")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./pkg/azsim/gen -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("summary of %s differs from %s; if the change is intended, bump Version and run with -update\n%s",
					p, path, lineDiff(string(want), string(got)))
			}
		})
	}
}

// lineDiff lists the lines that differ between two texts of the same shape.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out strings.Builder
	for i := range max(len(w), len(g)) {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			out.WriteString("- " + a + "\n+ " + b + "\n")
		}
	}
	return out.String()
}

func TestPresets(t *testing.T) {
	for _, p := range Presets() {
		s, err := PresetSpec(p, 1)
		if err != nil {
			t.Fatalf("PresetSpec(%s): %v", p, err)
		}
		if err := s.Validate(); err != nil {
			t.Errorf("preset %s does not validate: %v", p, err)
		}
	}
	s, _ := PresetSpec("tiny", 1)
	if s.Users > 30 || s.Groups > 12 || s.Subscriptions != 2 || s.StorageAccounts != 2 || s.ContainersPerAccount != 2 {
		t.Errorf("tiny is not tiny: %+v", s)
	}
	_, err := PresetSpec("huge", 1)
	if err == nil || !strings.Contains(err.Error(), "tiny, small, medium, large, xlarge") {
		t.Errorf("unknown preset error = %v, want the list of valid names", err)
	}
}

func TestValidate(t *testing.T) {
	base, _ := PresetSpec("tiny", 1)
	cases := []struct {
		name   string
		change func(*Spec)
		want   string
	}{
		{"few users", func(s *Spec) { s.Users = 19 }, "users must be >= 20"},
		{"few groups", func(s *Spec) { s.Groups = 3 }, "groups must be >= 12"},
		{"no subscriptions", func(s *Spec) { s.Subscriptions = 0 }, "subscriptions must be >= 1"},
		{"rgs below subs", func(s *Spec) { s.ResourceGroups = 1 }, "resource groups must be >= 2"},
		{"negative depth", func(s *Spec) { s.ManagementGroupDepth = -1 }, "management group depth must be >= 0"},
		{"deep tree", func(s *Spec) { s.ManagementGroupDepth = 7 }, "management group depth must be <= 6"},
		{"huge tree", func(s *Spec) { s.ManagementGroupDepth, s.ManagementGroupFanout = 6, 10 }, "management groups"},
		{"memberships", func(s *Spec) { s.Memberships = s.Users*s.Groups + 1 }, "memberships must be <="},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := base
			c.change(&s)
			err := s.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Validate() = %v, want an error containing %q", err, c.want)
			}
			if _, err := Generate(s); err == nil {
				t.Fatal("Generate accepted an invalid spec")
			}
		})
	}
	if err := base.Validate(); err != nil {
		t.Fatalf("tiny: %v", err)
	}
}

// TestGenerate_MinimalSpec checks that the smallest valid spec still generates (every fixed feature needs
// only what Validate guarantees).
func TestGenerate_MinimalSpec(t *testing.T) {
	s := Spec{Seed: 9, Users: minUsers, Groups: minGroups, EnterpriseApps: minEnterpriseApps,
		ManagedIdentities: minManagedIdentities, Subscriptions: 1, ResourceGroups: 1, StorageAccounts: 1,
		ContainersPerAccount: 1, RBACAssignments: minRBAC}
	for _, p2 := range []bool{false, true} {
		s.NoP2 = p2
		w, err := Generate(s)
		if err != nil {
			t.Fatalf("NoP2=%v: %v", p2, err)
		}
		checkIntegrity(t, w)
	}
}

func TestIDs(t *testing.T) {
	g := guid(1, "user", 0)
	if len(g) != 36 || g[14] != '4' || !strings.ContainsRune("89ab", rune(g[19])) || strings.ToLower(g) != g {
		t.Errorf("guid %q is not a lower-case version-4 GUID", g)
	}
	if g == guid(2, "user", 0) || g == guid(1, "group", 0) || g == guid(1, "user", 1) {
		t.Error("guid ignores part of (seed, kind, index)")
	}
	sec := clientSecret(1, 0)
	if len(sec) != 40 || strings.Trim(sec, secretAlphabet) != "" || sec[3:6] != "8Q~" {
		t.Errorf("secret %q does not look like an Entra client secret", sec)
	}
	if sec == clientSecret(1, 1) || sec == clientSecret(2, 0) {
		t.Error("secrets repeat")
	}
}
