package gen

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// A user's rare traits are fixed by its index so that exact shares hold at every size and every world of
// minUsers users or more has each of them (all residues below are < minUsers):
//
//	guest           i%10 == 9      10 %
//	disabled        i%20 == 6       5 %
//	AD-synced       i%10 in 1,4,7  30 % (all members); i%100 == 15 was synced once (false)
//	leave date      i%50 == 3       2 %
//	risky           i%100 == 8      1 %
//	shared mailbox  i%50 == 2       2 %
//	room mailbox    i%100 == 12     1 %
//	equipment       i%100 == 14     1 %
//	no mailbox      i%20 == 5       5 % of all users, plus every guest
//	never signed in i%10 == 3      10 % of members (all users when the tenant has no P2)
//
// Everything else (names, department, dates, licenses) comes from the user's random stream.

func isGuestIndex(i int) bool { return i%10 == 9 }

func mailboxPurpose(i int) string {
	switch {
	case isGuestIndex(i):
		return ""
	case i%50 == 2:
		return "shared"
	case i%100 == 12:
		return "room"
	case i%100 == 14:
		return "equipment"
	case i%20 == 5:
		return ""
	}
	return "user"
}

// users generates every user, in parallel batches.
func (b *builder) users() error {
	n := b.spec.Users
	store := make([]world.User, n) // one allocation for all users
	users := make([]*world.User, n)
	parallel(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			b.user(i, &store[i])
			users[i] = &store[i]
		}
	})
	b.w.Users = users
	for i, u := range users {
		if u.UserType != "Member" {
			continue
		}
		b.memberUsers = append(b.memberUsers, i)
		if u.AccountEnabled && (u.MailboxPurpose == "user" || u.MailboxPurpose == "") {
			b.regularUsers = append(b.regularUsers, i)
		}
	}
	return nil
}

// user fills in user i.
func (b *builder) user(i int, u *world.User) {
	r := newRand(b.seed, "user", i)
	d := b.dict
	domain := b.w.Tenant.DefaultDomain
	first, last := pick(r, d.firstNames), pick(r, d.lastNames)
	local := strings.ToLower(first) + "." + strings.ToLower(last) + strconv.Itoa(i)

	u.ID = guid(b.seed, "user", i)
	u.GivenName, u.Surname = first, last
	u.DisplayName = first + " " + last
	u.CreatedDateTime = between(r, -1500, dayRecentStart)
	u.AccountEnabled = i%20 != 6

	if isGuestIndex(i) {
		ext := pick(r, d.guestDomains)
		u.UserType = "Guest"
		u.UserPrincipalName = local + "_" + ext + "#EXT#@" + domain
		u.Mail = local + "@" + ext
		if b.w.Tenant.HasP2 && chance(r, 0.6) {
			u.SignIn = signIn(r, u.AccountEnabled)
		}
		return
	}

	u.UserType = "Member"
	u.UserPrincipalName = local + "@" + domain
	u.MailboxPurpose = mailboxPurpose(i)
	switch u.MailboxPurpose {
	case "shared":
		dept := pick(r, d.departments)
		u.GivenName, u.Surname = "", ""
		u.DisplayName = dept + " Shared Mailbox " + strconv.Itoa(i)
		u.UserPrincipalName = "shared." + slug(dept) + strconv.Itoa(i) + "@" + domain
	case "room":
		u.GivenName, u.Surname = "", ""
		u.DisplayName = pick(r, d.regions) + " Conference Room " + strconv.Itoa(i)
		u.UserPrincipalName = "room" + strconv.Itoa(i) + "@" + domain
	case "equipment":
		u.GivenName, u.Surname = "", ""
		u.DisplayName = "Projector " + strconv.Itoa(i)
		u.UserPrincipalName = "equipment" + strconv.Itoa(i) + "@" + domain
	default:
		u.EmployeeID = fmt.Sprintf("E%07d", i+1)
		u.Department = pick(r, d.departments)
		u.JobTitle = pick(r, d.jobTitles)
	}
	if u.MailboxPurpose != "" {
		u.Mail = u.UserPrincipalName
	}
	u.UsageLocation = pick(r, d.usageLocations)
	switch {
	case i%10 == 1 || i%10 == 4 || i%10 == 7:
		u.OnPremisesSyncEnabled = boolPtr(true)
	case i%100 == 15:
		u.OnPremisesSyncEnabled = boolPtr(false)
	}
	if i%50 == 3 {
		t := between(r, 700, 1400)
		u.EmployeeLeaveDateTime = &t
	}
	if i%100 == 8 {
		state := pick(r, d.riskStates)
		u.Risk = &world.Risk{Level: pick(r, d.riskLevels), State: state, Detail: riskDetail(state),
			LastUpdated: between(r, dayRecentStart, dayRecentEnd)}
	}
	if b.w.Tenant.HasP2 && i%10 != 3 && u.MailboxPurpose != "room" && u.MailboxPurpose != "equipment" {
		u.SignIn = signIn(r, u.AccountEnabled)
	}
	if u.MailboxPurpose == "user" {
		u.Licenses = b.directLicenses(r, i)
	}
}

// signIn returns a plausible signInActivity; disabled accounts last signed in long ago.
func signIn(r *rand.Rand, enabled bool) *world.SignInActivity {
	from, to := float64(dayRecentStart), float64(dayRecentEnd)
	if !enabled {
		from, to = 300, 800
	}
	last := between(r, from, to)
	nonInteractive := last.Add(time.Duration(r.IntN(5*24*3600)) * time.Second)
	return &world.SignInActivity{LastSignIn: last, LastNonInteractiveSignIn: nonInteractive, LastSuccessfulSignIn: last}
}

// directLicenses picks the SKUs assigned directly to a member with a mailbox.
func (b *builder) directLicenses(r *rand.Rand, i int) []string {
	var out []string
	add := func(part string, p float64) {
		if id, ok := b.skuIDs[part]; ok && (i == 0 || r.Float64() < p) {
			out = append(out, id)
		}
	}
	add("ENTERPRISEPACK", 0.6)
	if len(out) == 0 {
		add("SPE_E5", 0.25)
	}
	add("POWER_BI_PRO", 0.15)
	add("FLOW_FREE", 0.1)
	return out
}

func boolPtr(v bool) *bool { return &v }

// slug lower-cases s and drops everything but letters and digits.
func slug(s string) string {
	var sb strings.Builder
	sb.Grow(len(s))
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			sb.WriteRune(c)
		case c >= 'A' && c <= 'Z':
			sb.WriteRune(c + 'a' - 'A')
		}
	}
	return sb.String()
}
