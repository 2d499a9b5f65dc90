package gen

import "github.com/baton-azure/baton-azure/pkg/azsim/world"

// skus subscribes the tenant to every known SKU (P2 ones only when the tenant has P2). Each SKU has enough
// prepaid units for every user, rounded up to a multiple of 25.
func (b *builder) skus() error {
	b.skuIDs = map[string]string{}
	units := (b.spec.Users + 25 + 24) / 25 * 25
	for _, s := range world.KnownSKUs() {
		if s.P2 && b.spec.NoP2 {
			continue
		}
		b.w.SKUs = append(b.w.SKUs, &world.SKU{SkuID: s.ID, SkuPartNumber: s.PartNumber, PrepaidUnits: units,
			ServicePlans: append([]world.ServicePlan(nil), s.Plans...)})
		b.skuIDs[s.PartNumber] = s.ID
	}
	return nil
}

// groupLicenses sets up group-based licensing on two or three security groups: the first group (the
// largest, "all staff") carries Entra ID P1, the second plain security group Power BI Pro, and the first
// role-assignable group Entra ID P2 when the tenant has it.
func (b *builder) groupLicenses() error {
	assign := func(g int, parts ...string) {
		for _, p := range parts {
			if id, ok := b.skuIDs[p]; ok {
				b.w.Groups[g].Licenses = append(b.w.Groups[g].Licenses, id)
			}
		}
	}
	var plain []int
	for g, info := range b.groupInfo {
		if info.kind == groupSecurity && !info.synced {
			plain = append(plain, g)
		}
	}
	if len(plain) > 0 {
		assign(plain[0], "AAD_PREMIUM")
	}
	if len(plain) > 1 {
		assign(plain[1], "POWER_BI_PRO", "FLOW_FREE")
	}
	if len(b.roleAssignable) > 0 {
		assign(b.roleAssignable[0], "AAD_PREMIUM_P2")
	}
	return nil
}
