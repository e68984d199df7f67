// Package backstage imports a Backstage software catalog (catalog-info.yaml
// descriptor files, several entities per file separated by "---") as a
// slorec dependency graph.
//
// Parse reads one stream, ParseFiles several files and ParseDir (or
// ParseFS) every .yaml and .yml file of a tree, in lexical order; all
// entities read in one call form one catalog, so references between files
// resolve. The result holds the graph, where each service came from, the
// missing nodes, the APIs, the systems and domains, the entities skipped
// and the warnings, all sorted, so equal input gives equal output.
//
// # Mapping
//
//	Backstage                          slorec
//	---------------------------------  ----------------------------------------------
//	Component, spec.type service,      service of kind service
//	  website or any other type
//	Component, spec.type library       no node: a library is linked into its
//	                                   dependents, so its failures are theirs
//	                                   (listed in Skipped; edges to it dropped)
//	Resource, spec.type database,      service of kind datastore
//	  postgres, mysql, redis, s3-bucket,
//	  ... (the full list: ResourceKind)
//	Resource, spec.type queue, topic,  service of kind queue
//	  kafka-topic, sqs, pubsub, ...
//	Resource, spec.type external,      service of kind external
//	  third-party, saas, vendor
//	Resource, any other or no type     service of kind datastore, with a warning:
//	                                   a resource is infrastructure, and the
//	                                   datastore prior (managed, replicated
//	                                   infrastructure) fits it best
//	API                                no node; a consumer depends on each
//	                                   component that provides the API
//	API no component provides          missing node "api:<name>"; a declared node
//	                                   of the kind slorec.io/kind names, when set
//	                                   (a third party's API with its SLA)
//	System, Domain                     Result.Systems and Result.Domains, and
//	                                   Entity.System and Entity.Domain
//	Group, User, Location, Template    no node (listed in Skipped); groups and
//	                                   users appear as Service.Owner
//	other kinds, other apiVersions     skipped with a warning
//	metadata.title                     Service.Name
//	spec.owner                         Service.Owner, compact ("team-a",
//	                                   "user:guest", "ops/sre" for group:ops/sre),
//	                                   or as written if it is no valid reference
//	spec.dependsOn                     edges to components and resources
//	spec.dependencyOf                  edges from the named component or resource
//	spec.consumesApis                  edges to the providers of each API
//	spec.providesApis                  makes the component a provider
//	spec.subcomponentOf                Entity.SubcomponentOf, no edge: a part is
//	                                   not called by its whole
//
// Every edge is sync and hard, with provenance declared, unless the
// annotations below say otherwise: the catalog says that a dependency
// exists, not how it fails, and assuming the worst keeps ceilings low rather
// than wrong. When one entity reaches a target in several ways (dependsOn
// and an API) the ways merge as conservatively: hard if any is hard, sync if
// any is sync, in a redundancy group only if all agree on it.
//
// An API with several providers makes its consumers depend on every one,
// with a warning, unless the API says its providers are redundant; then
// they form one redundancy group named after the API. A self-dependency
// (a component consuming its own API) is dropped.
//
// # Identifiers
//
// A service id is the entity name in the default namespace and
// namespace/name in any other; an API node's id is "api:" before that. When
// a component and a resource share a name, the component keeps the bare id
// and the resource becomes "resource:<name>". Backstage compares kinds,
// namespaces and names case-insensitively, so ids and refs are lower case.
// Entity.Ref is the full reference, kind:namespace/name, and
// Entity.Provenance is "backstage:" followed by the file name. (slorec.Service
// has no provenance field; edges carry slorec.Declared.)
//
// # References
//
// References are read as Backstage reads them: [kind:][namespace/]name, the
// namespace defaulting to the referring entity's own (usually "default"),
// the kind by field: API for providesApis and consumesApis, Group for owner,
// System for system, Domain for domain, Component for subcomponentOf.
// dependsOn and dependencyOf have no default kind, and Backstage rejects an
// entry without one; slorec reads it with a warning as the component of
// that name, else the resource, else (undeclared) a component. A
// consumesApis entry naming a component or resource is read as a direct
// dependency on it, with a warning.
//
// A reference to an entity no file declares is a missing node, as an
// undeclared target is in dataset: kept as an edge target, listed in
// Result.MissingNodes with the reason and the dependents in Result.Missing,
// and flagged by the engine, which lowers confidence. So is a reference to
// an entity skipped for bad values. Cycles are kept; the engine collapses
// them.
//
// # Tier, SLA and overrides
//
// The tier comes from, in order: the annotation slorec.io/tier, the label
// slorec.io/tier, a tag tier-<tier> or tier:<tier>, then
// spec.lifecycle experimental, which the descriptor format defines as "low or
// no reliability guarantees", as low; otherwise standard. Entity.TierSource
// says which. Annotations (values are strings, as Backstage requires):
//
//	slorec.io/tier                critical, high, standard or low
//	slorec.io/published-sla       the provider's SLA as a ratio, "0.9995";
//	                              "99.95" is refused as a percentage
//	slorec.io/kind                service, datastore, queue or external:
//	                              overrides the mapping above; makes a
//	                              library, or an API nobody provides, a node
//	slorec.io/soft-dependencies   references (comma- or space-separated)
//	                              whose edges from this entity are soft; an
//	                              entry without a kind matches any, and an
//	                              API's entry covers edges to its providers
//	slorec.io/async-dependencies  likewise, for asynchronous edges
//	slorec.io/providers           on an API: all (default) or redundant
//
// A bad annotation value is ignored with a warning.
//
// # Errors and warnings
//
// Malformed YAML (including a repeated mapping key), a document that is not
// a mapping, and an entity without apiVersion, kind, metadata or
// metadata.name are errors: Parse returns a *ParseError (code EINVALID)
// listing every such problem with its file, 1-based document index and, when
// the YAML reader names one, line.
// Malformed YAML ends the reading of its file, since the YAML reader cannot
// resume, but other files are still checked.
//
// Everything else is a warning in Result.Warnings. An entity with an
// unknown kind, an invalid name or namespace, or another apiVersion is
// skipped. So is one whose graph fields (spec.type, dependsOn, dependencyOf,
// providesApis, consumesApis) are malformed, as Backstage itself would
// reject it: importing it without some of its edges would make it look
// better connected than it is, while skipping it makes it a missing node
// for its dependents. Bad values in other fields (tags, owner, system,
// annotations) are ignored. When two files define the same entity the first
// wins, as in Backstage; the repeat is listed in Skipped, and warned about
// when it differs.
package backstage
