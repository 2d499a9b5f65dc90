package graph_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/baton-azure/baton-azure/pkg/azsim"
	"github.com/baton-azure/baton-azure/pkg/azsim/world"
	"github.com/baton-azure/baton-azure/pkg/graph"
)

func newClient(t testing.TB, o azsim.Options) (*azsim.Server, *graph.Client) {
	t.Helper()
	o.NoListener = true
	s, err := azsim.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	app, err := s.App(azsim.ReaderAppName)
	if err != nil {
		t.Fatal(err)
	}
	copts := azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: s.LoginURL() + "/"}, Transport: s.HTTPClient()}
	cred, err := azidentity.NewClientSecretCredential(s.TenantID(), app.ClientID, app.ClientSecret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: copts, DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := graph.New(graph.Options{BaseURL: s.GraphURL(), Credential: cred, Transport: s.HTTPClient()})
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func TestListUsers_FollowsNextLinksToEveryUser(t *testing.T) {
	t.Parallel()
	s, c := newClient(t, azsim.Options{Preset: "small"})
	var want int
	s.ReadWorld(func(w *world.World) { want = len(w.Users) })
	got, pages := 0, 0
	for next := ""; ; {
		p, err := c.ListUsers(context.Background(), next, true)
		if err != nil {
			t.Fatal(err)
		}
		got += len(p.Value)
		pages++
		if next = p.NextLink; next == "" {
			break
		}
	}
	if got != want || pages != (want+499)/500 {
		t.Fatalf("listed %d users in %d pages, want %d in %d pages of 500 (signInActivity caps pages at 500)", got, pages, want, (want+499)/500)
	}
}

func TestNextLink_ToAnotherHost_IsRefusedBeforeSendingTheToken(t *testing.T) {
	t.Parallel()
	// small has 1,000 users: two pages of 999, so the first page has a next link to rewrite.
	s, c := newClient(t, azsim.Options{Preset: "small", FaultRules: []azsim.FaultRule{
		{Route: "GET /v1.0/users", Kind: azsim.FaultForeignNextLink, Host: "evil.example.com"}}})
	graphRequests := func() int64 {
		var n int64
		for _, r := range s.Stats().Routes {
			if r.Service == "graph" {
				n += r.Requests
			}
		}
		return n
	}
	p, err := c.ListUsers(context.Background(), "", false)
	if err != nil {
		t.Fatal(err)
	}
	if p.NextLink == "" {
		t.Fatal("the first page of 1,000 users has no next link")
	}
	_, err = c.ListUsers(context.Background(), p.NextLink, false)
	var fh *graph.ForeignHostError
	if !errors.As(err, &fh) {
		t.Fatalf("following %s: err = %v, want ForeignHostError", p.NextLink, err)
	}
	if n := graphRequests(); n != 1 {
		t.Fatalf("%d Graph requests reached azsim, want only the first page", n)
	}
}

func TestErrors_CarryGraphCodeAndFractionalRetryAfter(t *testing.T) {
	t.Parallel()
	_, c := newClient(t, azsim.Options{Preset: "tiny", FaultRules: []azsim.FaultRule{
		{Route: "GET /v1.0/groups", Kind: azsim.FaultThrottle, RetryAfter: 1500 * time.Millisecond}}})
	_, err := c.ListGroups(context.Background(), "")
	ge, ok := graph.AsError(err)
	if !ok || ge.StatusCode != http.StatusTooManyRequests || ge.Code != "TooManyRequests" || !ge.Retryable() {
		t.Fatalf("throttled list: %v", err)
	}
	if ge.RetryAfter != 1500*time.Millisecond {
		t.Fatalf("RetryAfter = %v, want 1.5s", ge.RetryAfter)
	}
	if d := graph.ParseRetryAfter("Wed, 21 Oct 2099 07:28:00 GMT", time.Now()); d <= 0 {
		t.Fatalf("HTTP-date Retry-After parsed as %v", d)
	}
	if d := graph.ParseRetryAfter("soon", time.Now()); d != 0 {
		t.Fatalf("garbage Retry-After parsed as %v", d)
	}
}

func TestNew_RefusesNonHTTPSBase(t *testing.T) {
	t.Parallel()
	if _, err := graph.New(graph.Options{BaseURL: "http://graph.example"}); err == nil {
		t.Fatal("plain http base accepted")
	}
}

// TestListGroupKindsWithOwners_EveryGroupWithItsFirst20Owners lists the groups of a tenant where one group
// has 30 owners: pages of at most 100 groups, each group once with its kind and its owners as the
// directory has them (type and id), the big one with its first 20 only.
func TestListGroupKindsWithOwners_EveryGroupWithItsFirst20Owners(t *testing.T) {
	t.Parallel()
	s, c := newClient(t, azsim.Options{Preset: "small"})
	want := map[string]string{}
	s.UpdateWorld(func(w *world.World) {
		for _, u := range w.Users[:30] {
			if !w.Groups[0].HasOwner(u.ID) {
				if err := w.AddGroupOwner(w.Groups[0].ID, world.Ref{Kind: world.KindUser, ID: u.ID}); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, g := range w.Groups {
			var owners []string
			for _, o := range g.Owners[:min(len(g.Owners), graph.ExpandLimit)] {
				owners = append(owners, o.Kind.ODataType()+" "+o.ID)
			}
			want[g.ID] = fmt.Sprint(g.SecurityEnabled, g.MailEnabled, g.GroupTypes, owners)
		}
	})
	got := map[string]string{}
	pages := 0
	for next := ""; ; {
		p, err := c.ListGroupKindsWithOwners(context.Background(), next)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(p.Value) > 100 {
			t.Fatalf("a page of %d groups", len(p.Value))
		}
		for _, g := range p.Value {
			var owners []string
			for _, o := range g.Owners {
				owners = append(owners, o.ODataType+" "+o.ID)
			}
			if _, dup := got[g.ID]; dup {
				t.Fatalf("group %s listed twice", g.ID)
			}
			got[g.ID] = fmt.Sprint(g.SecurityEnabled, g.MailEnabled, g.GroupTypes, owners)
		}
		if next = p.NextLink; next == "" {
			break
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("groups and owners differ from the directory:\n got %v\nwant %v", got, want)
	}
	if pages != (len(want)+99)/100 {
		t.Fatalf("%d pages for %d groups", pages, len(want))
	}
}
