package store

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// NewID returns prefix + "_" + 16 random hex characters, the id format of
// every stored entity.
func NewID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return prefix + "_" + hex.EncodeToString(b[:])
}

// Now returns the current UTC time truncated to the microsecond, the
// resolution of a Postgres timestamptz, so both adapters return equal times.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// DefaultAuditLimit is the number of audit records returned when a filter
// sets no limit.
const DefaultAuditLimit = 100

// MaxAuditLimit caps an audit query.
const MaxAuditLimit = 1000
