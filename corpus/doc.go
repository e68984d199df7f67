// Package corpus will ship slorec's knowledge documents (runbooks, SLO
// templates, error-budget policies, provider SLAs, postmortem summaries)
// with go:embed, and load them with their front matter. It imports the root
// package only.
package corpus
