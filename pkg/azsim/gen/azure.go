package gen

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/baton-azure/baton-azure/pkg/azsim/world"
)

// azure builds the management-group tree, subscriptions, resource groups, storage accounts and their
// containers. Managed identities are added later with the service principals.
func (b *builder) azure() error {
	b.managementGroups()
	b.subscriptions()
	b.resourceGroups()
	b.storageAccounts()
	return nil
}

// managementGroups builds the tenant root group and ManagementGroupDepth levels below it, each group above
// the last level having ManagementGroupFanout children.
func (b *builder) managementGroups() {
	d := b.dict
	root := &world.ManagementGroup{Name: b.w.Tenant.ID, DisplayName: "Tenant Root Group"}
	b.w.ManagementGroups = []*world.ManagementGroup{root}
	level := []*world.ManagementGroup{root}
	for depth := 1; depth <= b.spec.ManagementGroupDepth; depth++ {
		words := d.mgSecondLevel
		if depth == 1 {
			words = d.mgTopLevel
		}
		var next []*world.ManagementGroup
		for _, parent := range level {
			for k := range b.spec.ManagementGroupFanout {
				word := words[k%len(words)]
				if k >= len(words) {
					word += " " + strconv.Itoa(k/len(words)+1)
				}
				prefix := "mg"
				if depth > 1 {
					prefix = parent.Name
				}
				mg := &world.ManagementGroup{Name: prefix + "-" + slug(word), DisplayName: word, Parent: parent.Name}
				next = append(next, mg)
			}
		}
		b.w.ManagementGroups = append(b.w.ManagementGroups, next...)
		level = next
	}
}

// mgLevel returns the management groups of one level (0 = root) in creation order.
func (b *builder) mgLevel(depth int) []*world.ManagementGroup {
	lo, width := 0, 1
	for range depth {
		lo += width
		width *= b.spec.ManagementGroupFanout
	}
	return b.w.ManagementGroups[lo : lo+width]
}

// subscriptions places subscriptions mostly under leaf management groups; every tenth one sits directly
// under a top-level group, as legacy subscriptions often do.
func (b *builder) subscriptions() {
	d := b.dict
	leaves := b.mgLevel(b.spec.ManagementGroupDepth)
	for i := range b.spec.Subscriptions {
		r := newRand(b.seed, "subscription", i)
		parent := pick(r, leaves)
		if i%10 == 9 && b.spec.ManagementGroupDepth >= 2 {
			parent = pick(r, b.mgLevel(1))
		}
		b.w.Subscriptions = append(b.w.Subscriptions, &world.Subscription{
			ID:          guid(b.seed, "subscription", i),
			DisplayName: fmt.Sprintf("%s %02d", d.subscriptionWords[i%len(d.subscriptionWords)], i+1),
			State:       "Enabled",
			Parent:      parent.Name,
		})
	}
}

// resourceGroups gives every subscription one resource group, then spreads the rest with a skew towards
// the first subscriptions.
func (b *builder) resourceGroups() {
	d := b.dict
	subs := b.w.Subscriptions
	for i := range b.spec.ResourceGroups {
		r := newRand(b.seed, "resourceGroup", i)
		sub := i
		if i >= len(subs) {
			f := r.Float64()
			sub = int(f * f * float64(len(subs)))
		}
		b.w.ResourceGroups = append(b.w.ResourceGroups, &world.ResourceGroup{
			SubscriptionID: subs[sub].ID,
			Name:           fmt.Sprintf("rg-%s-%s-%03d", pick(r, d.workloads), pick(r, d.environments), i),
			Location:       pick(r, d.locations),
		})
	}
}

// storageAccounts creates the storage accounts (a third each with allowSharedKeyAccess unset, false and
// true) and ContainersPerAccount containers in each.
func (b *builder) storageAccounts() {
	d := b.dict
	rgs := b.w.ResourceGroups
	for i := range b.spec.StorageAccounts {
		r := newRand(b.seed, "storageAccount", i)
		rg := rgs[i%len(rgs)]
		if i >= len(rgs) {
			rg = pick(r, rgs)
		}
		wl := pick(r, d.workloads)
		a := &world.StorageAccount{
			SubscriptionID: rg.SubscriptionID,
			ResourceGroup:  rg.Name,
			Name:           "st" + wl + strconv.Itoa(i) + shortHash(b.seed, "storageAccount", i, 5),
			Location:       rg.Location,
			Kind:           pick(r, d.storageKinds),
			SKU:            pick(r, d.storageSKUs),
			CreatedAt:      between(r, -700, dayRecentStart),
		}
		switch i % 3 {
		case 1:
			a.AllowSharedKeyAccess = boolPtr(false)
		case 2:
			a.AllowSharedKeyAccess = boolPtr(true)
		}
		b.w.StorageAccounts = append(b.w.StorageAccounts, a)
		for c := range b.spec.ContainersPerAccount {
			b.w.Containers = append(b.w.Containers, b.container(a, i, c))
		}
	}
}

// container returns container c of account i.
func (b *builder) container(a *world.StorageAccount, i, c int) *world.Container {
	d := b.dict
	r := newRand(b.seed, "container", i*b.spec.ContainersPerAccount+c)
	name := d.containerNames[c%len(d.containerNames)]
	if c >= len(d.containerNames) {
		name += "-" + strconv.Itoa(c/len(d.containerNames))
	}
	access := "None"
	switch f := r.Float64(); {
	case f < 0.05:
		access = "Container"
	case f < 0.15:
		access = "Blob"
	}
	return &world.Container{Account: a, Name: name, PublicAccess: access,
		ModifiedAt: between(r, -300, dayRecentEnd)}
}

// hostResourceID returns the ARM id of a compute resource (VM, web app or logic app) in resource group rg
// that hosts a system-assigned identity; the resource itself is not modelled.
func hostResourceID(rg *world.ResourceGroup, kind, name string) string {
	return rg.Scope() + "/providers/" + kind + "/" + name
}

// hostPrefix is the conventional name prefix of a resource type.
func hostPrefix(kind string) string {
	switch {
	case strings.HasSuffix(kind, "virtualMachines"):
		return "vm"
	case strings.HasSuffix(kind, "sites"):
		return "app"
	}
	return "logic"
}
