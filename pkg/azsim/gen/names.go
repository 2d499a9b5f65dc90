package gen

// dictionary holds the word lists the generator draws plausible names from. It is built once per
// generation (see newDictionary) so that the package keeps no global state.
type dictionary struct {
	firstNames, lastNames     []string
	departments, jobTitles    []string
	usageLocations            []string
	guestDomains              []string
	groupTopics               []string
	saasApps, ownAppWords     []string
	vendorNames               []string
	appRoleNames              []string
	regions                   []string
	subscriptionWords         []string
	workloads, environments   []string
	locations                 []string
	containerNames            []string
	mgTopLevel, mgSecondLevel []string
	auNames                   []string
	hostKinds                 []string
	riskLevels, riskStates    []string
	storageSKUs, storageKinds []string
	rbacDescriptions          []string
}

func newDictionary() *dictionary {
	return &dictionary{
		firstNames: []string{"Adele", "Alex", "Allan", "Amara", "Ana", "Anders", "Aiko", "Ben", "Bianca", "Bruno",
			"Carlos", "Chen", "Chloe", "Dara", "Deepa", "Diego", "Elena", "Emeka", "Emily", "Farah", "Felix",
			"Grace", "Hana", "Henrik", "Isabel", "Ivan", "Jamal", "Jana", "Johanna", "Jonas", "Kenji", "Lara",
			"Lee", "Lidia", "Lucas", "Lynne", "Maya", "Megan", "Miguel", "Mina", "Nestor", "Nia", "Noah", "Olga",
			"Omar", "Patti", "Pradeep", "Priya", "Rafael", "Rin", "Sakura", "Sam", "Sofia", "Sven", "Tariq",
			"Tomas", "Uma", "Valentina", "Wei", "Yara", "Yusuf", "Zanele", "Zoe", "Irvin"},
		lastNames: []string{"Adams", "Alvarez", "Andersen", "Bauer", "Becker", "Chen", "Cohen", "Costa", "Dubois",
			"Eriksson", "Fernandes", "Fischer", "Garcia", "Gupta", "Haddad", "Hansen", "Hughes", "Ito", "Jensen",
			"Johnson", "Kaur", "Khan", "Kim", "Kowalski", "Larsen", "Lee", "Lopez", "Martin", "Meyer", "Miller",
			"Moreau", "Muller", "Nakamura", "Nguyen", "Novak", "Okafor", "Olsen", "Patel", "Perez", "Petrov",
			"Quinn", "Rossi", "Santos", "Sato", "Schmidt", "Silva", "Singh", "Smith", "Sousa", "Suzuki", "Tanaka",
			"Taylor", "Thomas", "Vance", "Wagner", "Walker", "Wang", "Weber", "Wilson", "Wright", "Yamamoto",
			"Young", "Zhang", "Ziegler"},
		departments: []string{"Engineering", "Sales", "Marketing", "Finance", "Human Resources", "Legal", "IT",
			"Operations", "Support", "Research", "Product", "Security"},
		jobTitles: []string{"Engineer", "Senior Engineer", "Principal Engineer", "Manager", "Senior Manager",
			"Director", "Analyst", "Specialist", "Consultant", "Administrator", "Coordinator", "Associate",
			"Vice President", "Architect", "Intern"},
		usageLocations: []string{"US", "US", "US", "GB", "DE", "FR", "IN", "JP", "CA", "AU", "BR", "NL"},
		guestDomains: []string{"fabrikam.com", "gmail.com", "outlook.com", "northwindtraders.com", "adatum.com",
			"litwareinc.com", "tailspintoys.com", "wingtiptoys.com", "woodgrovebank.com", "proseware.com"},
		groupTopics: []string{"Finance", "Sales", "Marketing", "Engineering", "HR", "Legal", "IT", "Ops",
			"Support", "Research", "Product", "Security", "Data", "Platform", "Mobile", "Web", "Analytics",
			"Procurement", "Facilities", "Compliance"},
		saasApps: []string{"Salesforce", "ServiceNow", "Workday", "Slack", "Zoom", "GitHub Enterprise Cloud",
			"Atlassian Cloud", "DocuSign", "Box", "Dropbox Business", "Tableau Cloud", "Snowflake", "AWS IAM Identity Center",
			"Google Cloud", "Miro", "Figma", "Adobe Creative Cloud", "SAP Concur", "Coupa", "Zendesk",
			"HubSpot", "Datadog", "PagerDuty", "Splunk Cloud"},
		ownAppWords: []string{"Payroll", "Inventory", "Billing", "Portal", "Reporting", "Orders", "Claims",
			"Catalog", "Ledger", "Scheduler", "Telemetry", "Gateway", "Onboarding", "Helpdesk", "Analytics"},
		vendorNames: []string{"salesforce", "servicenow", "workday", "slack", "zoom", "github", "atlassian",
			"docusign", "box", "dropbox", "tableau", "snowflake", "aws", "google", "miro", "figma", "adobe",
			"sap", "coupa", "zendesk", "hubspot", "datadog", "pagerduty", "splunk"},
		appRoleNames: []string{"Admin", "Reader", "Writer", "Approver", "Auditor", "Operator", "Viewer",
			"Contributor"},
		regions: []string{"Europe", "North America", "Asia Pacific", "Latin America", "Seattle", "London",
			"Munich", "Tokyo", "Sydney", "Toronto", "Paris", "Bangalore"},
		subscriptionWords: []string{"Production", "Development", "Test", "Staging", "Sandbox", "Shared Services",
			"Connectivity", "Identity", "Management", "Data Platform", "Analytics", "Corp"},
		workloads: []string{"web", "api", "data", "ml", "logs", "backup", "shared", "network", "identity",
			"app", "etl", "reporting", "batch", "portal", "crm", "erp"},
		environments: []string{"prod", "dev", "test", "stage", "qa", "sandbox"},
		locations: []string{"eastus", "eastus2", "westus2", "westeurope", "northeurope", "uksouth",
			"germanywestcentral", "japaneast", "australiaeast", "canadacentral", "centralindia", "brazilsouth"},
		containerNames: []string{"logs", "backups", "data", "images", "reports", "archive", "raw", "curated",
			"exports", "uploads", "invoices", "telemetry", "models", "staging", "public", "audit"},
		mgTopLevel:    []string{"Platform", "Landing Zones", "Sandbox", "Decommissioned", "Legacy", "Research"},
		mgSecondLevel: []string{"Corp", "Online", "Identity", "Connectivity", "Management", "Security", "SAP", "Data"},
		auNames: []string{"Europe", "North America", "Asia Pacific", "Latin America", "Seattle", "London",
			"Munich", "Tokyo", "Sydney", "Toronto", "Contractors", "Executives", "Retail Stores", "Research Labs"},
		hostKinds:  []string{"Microsoft.Compute/virtualMachines", "Microsoft.Web/sites", "Microsoft.Logic/workflows"},
		riskLevels: []string{"low", "medium", "high"},
		riskStates: []string{"atRisk", "confirmedCompromised", "remediated", "dismissed"},
		storageSKUs: []string{"Standard_LRS", "Standard_LRS", "Standard_GRS", "Standard_ZRS", "Standard_RAGRS",
			"Premium_LRS"},
		storageKinds: []string{"StorageV2", "StorageV2", "StorageV2", "BlobStorage", "BlockBlobStorage"},
		rbacDescriptions: []string{"", "", "", "Granted by access request", "Break-glass access",
			"Pipeline deployment identity", "Managed by Terraform", "Temporary access for migration"},
	}
}

// riskDetail is the riskDetail value that goes with a risk state.
func riskDetail(state string) string {
	switch state {
	case "confirmedCompromised":
		return "adminConfirmedUserCompromised"
	case "remediated":
		return "userPerformedSecuredPasswordReset"
	case "dismissed":
		return "adminDismissedAllRiskForUser"
	}
	return "none"
}
