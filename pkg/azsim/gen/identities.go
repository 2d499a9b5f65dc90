package gen

import (
	"strconv"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// managedIdentities adds the managed identities, cycling through three shapes by index:
//
//	i%3 == 0  user-assigned: a UserAssignedIdentity resource whose PrincipalID/ClientID are the service
//	          principal's id/appId; alternativeNames ["isExplicit=True", <identity resource id>]
//	i%3 == 1  system-assigned on storage account i/3 (which records it in IdentityPrincipalID), or on a
//	          compute resource once every account has one
//	i%3 == 2  system-assigned on a VM, web app or logic app in one of the world's resource groups
//
// System-assigned identities have alternativeNames ["isExplicit=False", <host resource id>].
func (b *builder) managedIdentities() error {
	d := b.dict
	rgs := b.w.ResourceGroups
	for i := range b.spec.ManagedIdentities {
		r := newRand(b.seed, "managedIdentity", i)
		sp := &world.ServicePrincipal{
			ID:                   guid(b.seed, "sp/mi", i),
			AppID:                guid(b.seed, "appid/mi", i),
			ServicePrincipalType: "ManagedIdentity",
			AccountEnabled:       true,
			CreatedDateTime:      between(r, -700, dayRecentStart),
		}
		sp.ServicePrincipalNames = []string{sp.AppID, "https://identity.azure.net/" + shortHash(b.seed, "miSPN", i, 12)}
		rg := pick(r, rgs)
		suffix := pick(r, d.workloads) + "-" + pick(r, d.environments) + "-" + strconv.Itoa(i)
		switch {
		case i%3 == 0:
			id := &world.UserAssignedIdentity{SubscriptionID: rg.SubscriptionID, ResourceGroup: rg.Name,
				Name: "id-" + suffix, Location: rg.Location, PrincipalID: sp.ID, ClientID: sp.AppID}
			b.w.Identities = append(b.w.Identities, id)
			sp.DisplayName = id.Name
			sp.AlternativeNames = []string{"isExplicit=True", id.Scope()}
		case i%3 == 1 && i/3 < len(b.w.StorageAccounts):
			acct := b.w.StorageAccounts[i/3]
			acct.IdentityPrincipalID = sp.ID
			sp.DisplayName = acct.Name
			sp.AlternativeNames = []string{"isExplicit=False", acct.Scope()}
		default:
			kind := pick(r, d.hostKinds)
			name := hostPrefix(kind) + "-" + suffix
			sp.DisplayName = name
			sp.AlternativeNames = []string{"isExplicit=False", hostResourceID(rg, kind, name)}
		}
		b.w.ServicePrincipals = append(b.w.ServicePrincipals, sp)
		b.miSPs = append(b.miSPs, sp)
	}
	return nil
}
