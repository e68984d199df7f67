package slorec

import (
	"encoding/json"
	"time"
)

// Ingestion statuses.
const (
	IngestionQueued    = "queued"
	IngestionRunning   = "running"
	IngestionSucceeded = "succeeded"
	IngestionFailed    = "failed"
)

// Ingestion is a metric ingestion run in the background (POST
// /api/v1/metrics/prometheus with Prefer: respond-async): what was asked,
// where it is, and what it wrote or why it failed.
type Ingestion struct {
	ID     string `json:"id"`
	Tenant string `json:"tenant"`
	// Actor asked for it; the writes are audited as theirs.
	Actor string `json:"actor"`
	// Request is the ingestion request as the API validated it.
	Request json.RawMessage `json:"request"`
	Status  string          `json:"status"`
	// Attempts counts the runs started (a run the server did not finish,
	// because it stopped, is started again).
	Attempts int `json:"attempts"`
	// Report is what the last finished run read and wrote (also when it
	// failed after reading); Error says why it failed, and Code is the
	// error's code (EINVALID, EUNAVAILABLE, ...).
	Report     json.RawMessage `json:"report,omitempty"`
	Error      string          `json:"error,omitempty"`
	Code       string          `json:"code,omitempty"`
	CreatedAt  time.Time       `json:"created_at"`
	StartedAt  time.Time       `json:"started_at,omitzero"`
	FinishedAt time.Time       `json:"finished_at,omitzero"`
}

// Finished reports whether the ingestion succeeded or failed.
func (i Ingestion) Finished() bool {
	return i.Status == IngestionSucceeded || i.Status == IngestionFailed
}
