package openslo

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
)

// MaxNameLength is the longest name Name returns: the RFC 1123 label
// limit, which the OpenSLO specification asks every implementation to
// support (the schema itself allows 255).
const MaxNameLength = 63

// Name returns the OpenSLO metadata name for a slorec id: an RFC 1123 DNS
// label, which every OpenSLO implementation must accept and which matches
// the v1 schema's name rule. Letters are lower-cased and every run of other
// characters becomes one hyphen ("www.googleapis.com" is
// "www-googleapis-com"). A name that would be longer than 63 characters is
// cut and ends in "-" and six hex digits of the id's SHA-256, so that long
// ids sharing a prefix stay distinct; an id without letters or digits
// becomes "id-" and the digits. Different ids can still map to one name
// ("A_b" and "a-b"): Export reports such collisions.
func Name(id string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(id) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
			continue
		}
		hyphen = true
	}
	name := b.String()
	sum := sha256.Sum256([]byte(id))
	suffix := hex.EncodeToString(sum[:3])
	switch {
	case name == "":
		return "id-" + suffix
	case len(name) > MaxNameLength:
		name = strings.TrimRight(name[:MaxNameLength-len(suffix)-1], "-")
		return name + "-" + suffix
	}
	return name
}

// namePattern is the v1 schema's name rule (parts/name.schema.json).
var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.|/\\-]*[a-z0-9]*$`)

// validName reports whether s satisfies the v1 schema's name rule.
func validName(s string) bool {
	return len(s) >= 1 && len(s) <= 255 && namePattern.MatchString(s)
}

// labelPattern is the v1 schema's rule for label values (and keys, in the
// specification's prose).
var labelPattern = regexp.MustCompile(`^[a-z0-9A-Z][a-z0-9A-Z._-]*[a-z0-9A-Z]*$`)

// labelSafe reports whether s can be a label value.
func labelSafe(s string) bool {
	return len(s) >= 1 && len(s) <= 63 && labelPattern.MatchString(s)
}
