package backstage

import (
	"fmt"
	"strings"
)

// DefaultNamespace is the namespace of an entity that names none.
const DefaultNamespace = "default"

// Lower-case entity kinds. Backstage compares kinds case-insensitively.
const (
	kindComponent = "component"
	kindResource  = "resource"
	kindAPI       = "api"
	kindSystem    = "system"
	kindDomain    = "domain"
	kindGroup     = "group"
	kindUser      = "user"
	kindLocation  = "location"
	kindTemplate  = "template"
)

// ref is a normalised entity reference: every part lower case, namespace
// filled. Kind is empty only for a reference that named none in a field
// without a default kind (dependsOn, dependencyOf).
type ref struct {
	kind, namespace, name string
}

// String returns the full form kind:namespace/name, or namespace/name for
// a kindless reference.
func (r ref) String() string {
	if r.kind == "" {
		return r.namespace + "/" + r.name
	}
	return r.kind + ":" + r.namespace + "/" + r.name
}

// nsName returns name in the default namespace, namespace/name elsewhere:
// the shortest unambiguous form once the kind is known.
func (r ref) nsName() string {
	if r.namespace == DefaultNamespace {
		return r.name
	}
	return r.namespace + "/" + r.name
}

// compact returns the reference without the parts that equal the given
// defaults, as people write it in catalog files ("team-a", "user:guest").
func (r ref) compact(defaultKind string) string {
	s := r.nsName()
	if r.kind != defaultKind {
		s = r.kind + ":" + s
	}
	return s
}

// parseRef parses the string form [kind:][namespace/]name of an entity
// reference, as @backstage/catalog-model's parseEntityRef does: the kind
// ends at the first colon, the namespace at the first slash after it.
// Missing parts take the defaults; an empty defaultKind leaves the kind
// empty. Kind and namespace are matched case-insensitively by Backstage and
// names are unique case-insensitively, so all three are lower-cased.
func parseRef(s, defaultKind, defaultNamespace string) (ref, error) {
	if s == "" {
		return ref{}, fmt.Errorf("empty entity reference")
	}
	r := ref{kind: defaultKind, namespace: defaultNamespace}
	rest := s
	if k, after, ok := strings.Cut(rest, ":"); ok {
		if k == "" {
			return ref{}, fmt.Errorf("entity reference %q has an empty kind", s)
		}
		r.kind, rest = k, after
	}
	if ns, after, ok := strings.Cut(rest, "/"); ok {
		if ns == "" {
			return ref{}, fmt.Errorf("entity reference %q has an empty namespace", s)
		}
		r.namespace, rest = ns, after
	}
	r.name = rest
	if r.kind != "" && !validKind(r.kind) {
		return ref{}, fmt.Errorf("entity reference %q: kind %q is not a sequence of letters and digits", s, r.kind)
	}
	if why := checkNamespace(r.namespace); why != "" {
		return ref{}, fmt.Errorf("entity reference %q: namespace %s", s, why)
	}
	if why := checkName(r.name); why != "" {
		return ref{}, fmt.Errorf("entity reference %q: name %s", s, why)
	}
	r.kind = strings.ToLower(r.kind)
	r.namespace = strings.ToLower(r.namespace)
	r.name = strings.ToLower(r.name)
	return r, nil
}

func validKind(k string) bool {
	if k == "" || len(k) > 63 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if !alnum(k[i]) {
			return false
		}
	}
	return true
}

// checkName returns why s is not a valid entity name, or "". The rule is
// Backstage's default one (descriptor format, metadata.name): 1 to 63
// characters, sequences of [a-zA-Z0-9] separated by one of [-_.]. It also
// keeps ids free of the characters dataset ids forbid (spaces, commas,
// quotes).
func checkName(s string) string {
	return checkSeparated(s, "-_.")
}

// checkNamespace returns why s is not a valid namespace, or "": sequences
// of [a-zA-Z0-9] separated by "-", at most 63 characters.
func checkNamespace(s string) string {
	return checkSeparated(s, "-")
}

func checkSeparated(s, seps string) string {
	switch {
	case s == "":
		return "is empty"
	case len(s) > 63:
		return fmt.Sprintf("%.20q... is longer than 63 characters", s)
	}
	prevSep := true // a leading separator is as bad as a doubled one
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case alnum(c):
			prevSep = false
		case strings.IndexByte(seps, c) >= 0 && !prevSep:
			prevSep = true
		default:
			return fmt.Sprintf("%q is not sequences of [a-zA-Z0-9] separated by one of %q", s, seps)
		}
	}
	if prevSep {
		return fmt.Sprintf("%q ends with a separator", s)
	}
	return ""
}

func alnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
