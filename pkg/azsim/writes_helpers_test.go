package azsim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

const provisionerApp = "baton-azure-provisioner"

// wfix is an in-process simulator on a fake clock with Graph and ARM tokens of the provisioner app (every
// permission, Owner at the root management group) and of the reader app (reads only).
type wfix struct {
	s                 *azsim.Server
	clock             *fakeClock
	base              string // Graph /v1.0
	prov, provARM     string
	reader, readerARM string
}

func newWFix(t *testing.T, o azsim.Options) *wfix {
	t.Helper()
	o.NoListener = true
	clock := &fakeClock{t: time.Now().UTC().Truncate(time.Second)}
	if o.Clock == nil {
		o.Clock = clock.Now
	}
	if o.TokenLifetime == 0 {
		o.TokenLifetime = 30 * 24 * time.Hour // tests move the clock by hours and days
	}
	s := start(t, o)
	prov, err := s.App(provisionerApp)
	must(t, err)
	return &wfix{s: s, clock: clock, base: s.GraphURL() + "/v1.0",
		prov: token(t, s, prov, "https://graph.microsoft.com/.default"), provARM: token(t, s, prov, "https://management.azure.com/.default"),
		reader:    token(t, s, readerApp(t, s), "https://graph.microsoft.com/.default"),
		readerARM: token(t, s, readerApp(t, s), "https://management.azure.com/.default")}
}

// limitedToken re-grants the azsim-limited app exactly perms and returns a Graph token for it.
func (f *wfix) limitedToken(t *testing.T, perms ...string) string {
	t.Helper()
	app, err := f.s.App("azsim-limited")
	must(t, err)
	f.s.UpdateWorld(func(w *world.World) { w.App(app.ClientID).GraphPermissions = perms })
	return token(t, f.s, app, "https://graph.microsoft.com/.default")
}

// do sends a request with an optional JSON body (a string is sent verbatim) to an absolute URL or a path
// under the Graph /v1.0 base, and decodes a JSON answer (text goes to m["text"]).
func (f *wfix) do(t *testing.T, method, target, bearer string, body any, hdr map[string]string) (int, map[string]any, http.Header) {
	t.Helper()
	if strings.HasPrefix(target, "/") {
		target = f.base + target
	}
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		must(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, target, rd)
	must(t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := f.s.HTTPClient().Do(req)
	must(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	m := map[string]any{}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s %s: invalid JSON %q", method, target, raw)
		}
	} else {
		m["text"] = string(raw)
	}
	return resp.StatusCode, m, resp.Header
}

// expectErr fails unless the answer is status with error code and a message containing msg.
func expectErr(t *testing.T, what string, status int, m map[string]any, wantStatus int, wantCode, msg string) {
	t.Helper()
	code, got := errCode(m)
	if status != wantStatus || code != wantCode || !strings.Contains(got, msg) {
		t.Errorf("%s: %d %s %q; want %d %s containing %q", what, status, code, got, wantStatus, wantCode, msg)
	}
}

func ref(id string) map[string]string {
	return map[string]string{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/" + id}
}

// truthHas reports whether the truth export has a fact matching every given field.
func truthHas(t *testing.T, s *azsim.Server, want map[string]string) bool {
	t.Helper()
	var found bool
	s.ReadWorld(func(w *world.World) {
		_ = w.Facts(func(f world.Fact) error {
			b, _ := json.Marshal(f)
			var m map[string]any
			_ = json.Unmarshal(b, &m)
			for k, v := range want {
				if m[k] != v {
					return nil
				}
			}
			found = true
			return nil
		})
	})
	return found
}

func ids(list []map[string]any) map[string]bool {
	out := map[string]bool{}
	for _, m := range list {
		if id, isStr := m["id"].(string); isStr {
			out[id] = true
		}
	}
	return out
}

// plainSecurityGroup is a cloud security group whose membership Graph lets apps change.
func plainSecurityGroup(w *world.World) *world.Group {
	for _, g := range w.Groups {
		if g.SecurityEnabled && !g.MailEnabled && !g.IsDynamic() && !g.IsAssignableToRole && !g.IsUnified() &&
			(g.OnPremisesSyncEnabled == nil || !*g.OnPremisesSyncEnabled) && len(g.Licenses) == 0 {
			return g
		}
	}
	return nil
}

// nonMember returns a user that is not a direct member of g.
func nonMember(w *world.World, g *world.Group) *world.User {
	for _, u := range w.Users {
		if !g.HasMember(u.ID) && !g.HasOwner(u.ID) {
			return u
		}
	}
	return nil
}
