package graph

import (
	"context"
	"net/http"
	"net/url"
)

// Lifecycle writes: create, enable/disable and delete users; create and delete groups. Each is one Graph
// request; callers validate their input before calling.

// NewUser is the body of POST /users. Password is sent to Graph and nowhere else; it is never part of an
// error message (Graph does not echo it, and the client's errors carry only method, path, code and
// message).
type NewUser struct {
	AccountEnabled    bool   `json:"accountEnabled"`
	DisplayName       string `json:"displayName"`
	MailNickname      string `json:"mailNickname"`
	UserPrincipalName string `json:"userPrincipalName"`
	UsageLocation     string `json:"usageLocation,omitempty"`
	GivenName         string `json:"givenName,omitempty"`
	Surname           string `json:"surname,omitempty"`
	Mail              string `json:"mail,omitempty"`
	PasswordProfile   struct {
		Password                      string `json:"password"`
		ForceChangePasswordNextSignIn bool   `json:"forceChangePasswordNextSignIn"`
	} `json:"passwordProfile"`
}

// lifecycleUserSelect is what the lifecycle calls read back of a user: what the user resource is built from.
const lifecycleUserSelect = "id,displayName,givenName,surname,userPrincipalName,mail,jobTitle,department,employeeId," +
	"accountEnabled,userType,onPremisesSyncEnabled,createdDateTime,employeeLeaveDateTime"

// CreateUser creates a user (POST /users) and returns it as Graph answers.
func (c *Client) CreateUser(ctx context.Context, u NewUser) (User, error) {
	var out User
	err := c.do(ctx, request{method: http.MethodPost, target: "/users", body: u}, &out)
	return out, err
}

// LookupUser reads one user by object id or userPrincipalName (GET /users/{id|upn}).
func (c *Client) LookupUser(ctx context.Context, idOrUPN string) (User, error) {
	var out User
	err := c.do(ctx, request{method: http.MethodGet, target: "/users/" + url.PathEscape(idOrUPN) + "?" + q("$select", lifecycleUserSelect)}, &out)
	return out, err
}

// SetAccountEnabled enables or disables sign-in for a user (PATCH /users/{id} accountEnabled).
func (c *Client) SetAccountEnabled(ctx context.Context, userID string, enabled bool) error {
	return c.do(ctx, request{method: http.MethodPatch, target: "/users/" + url.PathEscape(userID),
		body: map[string]bool{"accountEnabled": enabled}}, nil)
}

// DeleteUser deletes a user (DELETE /users/{id}); Graph keeps it restorable for 30 days.
func (c *Client) DeleteUser(ctx context.Context, userID string) error {
	return c.do(ctx, request{method: http.MethodDelete, target: "/users/" + url.PathEscape(userID)}, nil)
}

// NewGroup is the body of POST /groups.
type NewGroup struct {
	DisplayName        string   `json:"displayName"`
	Description        string   `json:"description,omitempty"`
	MailNickname       string   `json:"mailNickname"`
	MailEnabled        bool     `json:"mailEnabled"`
	SecurityEnabled    bool     `json:"securityEnabled"`
	GroupTypes         []string `json:"groupTypes"`
	IsAssignableToRole *bool    `json:"isAssignableToRole,omitempty"`
	Visibility         string   `json:"visibility,omitempty"`
}

// lifecycleGroupSelect is what the lifecycle calls read of a group: what the group resource is built from.
const lifecycleGroupSelect = "id,displayName,description,mail,mailEnabled,securityEnabled,groupTypes,membershipRule," +
	"onPremisesSyncEnabled,isAssignableToRole,visibility"

// CreateGroup creates a group (POST /groups) and returns it as Graph answers.
func (c *Client) CreateGroup(ctx context.Context, g NewGroup) (Group, error) {
	var out Group
	err := c.do(ctx, request{method: http.MethodPost, target: "/groups", body: g}, &out)
	return out, err
}

// LookupGroup reads one group by object id (GET /groups/{id}).
func (c *Client) LookupGroup(ctx context.Context, id string) (Group, error) {
	var out Group
	err := c.do(ctx, request{method: http.MethodGet, target: "/groups/" + url.PathEscape(id) + "?" + q("$select", lifecycleGroupSelect)}, &out)
	return out, err
}

// DeleteGroup deletes a group (DELETE /groups/{id}); Microsoft 365 groups stay restorable for 30 days.
func (c *Client) DeleteGroup(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodDelete, target: "/groups/" + url.PathEscape(id)}, nil)
}
