package connector

import "fmt"

// rbacInheritance is how a role assigned above a scope shows on it (--rbac-inheritance).
type rbacInheritance int

const (
	// inheritEffective: the scope's entitlement is granted to its parent scope, expandable from the parent's,
	// so baton's expansion gives every holder above a derived grant on the scope (effective access).
	inheritEffective rbacInheritance = iota
	// inheritStructural: the same grants to the parent scope, not expandable: the file says where each
	// inherited role comes from without copying the holders down (grants grow with scopes, not holders).
	inheritStructural
	// inheritOff: a role shows only at the scope it is assigned at.
	inheritOff
)

// inheritanceMode resolves --rbac-inheritance and its older switch --disable-rbac-inheritance.
func inheritanceMode(mode string, disable bool) (rbacInheritance, error) {
	var m rbacInheritance
	switch mode {
	case "", "effective":
		m = inheritEffective
	case "structural":
		m = inheritStructural
	case "off":
		m = inheritOff
	default:
		return 0, fmt.Errorf("rbac-inheritance %q is not a mode: use effective (the default), structural or off", mode)
	}
	if !disable {
		return m, nil
	}
	if m == inheritStructural {
		return 0, fmt.Errorf("disable-rbac-inheritance contradicts rbac-inheritance=structural: set only rbac-inheritance (disable-rbac-inheritance means off)")
	}
	return inheritOff, nil
}
