package guardrails

import (
	"regexp"
	"strings"
)

// Injection rules a Finding names.
const (
	RuleOverride      = "instruction-override" // "ignore previous instructions", "you are now ..."
	RuleRoleMarker    = "role-marker"          // "system:" at a line start, "<|im_start|>", "[INST]", "<|eot_id|>"
	RuleToolDirective = "tool-directive"       // "call the tool", "run this command", "curl ..."
	RuleExfiltration  = "exfiltration"         // "send the keys to https://", Markdown images, links with query data
	RulePromptLeak    = "prompt-leak"          // "reveal your system prompt"
)

// Finding is one injection-shaped span of text.
type Finding struct {
	Rule    string `json:"rule"`
	Excerpt string `json:"excerpt"`
}

var injectionRules = []struct {
	rule string
	re   *regexp.Regexp
}{
	{RuleOverride, regexp.MustCompile(`(?i)\b(?:ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}\b(?:previous|prior|above|earlier|all|any|your|the)\b[^.\n]{0,30}\b(?:instructions?|prompts?|rules|guidelines|guidance|directives)\b`)},
	{RuleOverride, regexp.MustCompile(`(?i)\byou are (?:now|no longer)\b|\bact as (?:an? )?(?:unrestricted|jailbroken|developer mode)\b|\bnew instructions\s*:|\bfrom now on,? (?:you|always|never|respond|answer)\b`)},
	// Chat-template markers of the common model families, and "system:"
	// style role lines.
	{RuleRoleMarker, regexp.MustCompile(`(?im)^\s*(?:#{1,3}\s*)?(?:system|assistant|developer)\s*:|<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id)\|>|\[/?INST\]|<</?SYS>>|^\s*#{2,3}\s*(?:instruction|response)\s*:?\s*$`)},
	{RuleToolDirective, regexp.MustCompile(`(?i)\b(?:call|invoke|use|run|execute)\s+(?:the\s+)?(?:tool|function|shell|command)\b|\bcurl\s+-[a-zA-Z]|\brm\s+-rf\b|\bwget\s+https?://`)},
	// Exfiltration: sending data to a URL or address, and Markdown images
	// (fetched as soon as they render) or links carrying query data.
	{RuleExfiltration, regexp.MustCompile(`(?i)\b(?:send|post|upload|forward|leak|exfiltrate|transmit|submit)\b[^.\n]{0,40}\b(?:keys?|secrets?|tokens?|credentials?|passwords?|conversation|history|data|prompts?|context|messages?|chat|transcript|everything|contents?)\b[^.\n]{0,30}\b(?:to|at)\b\s+(?:https?://|\S+@)|!\[[^\]]*\]\(\s*<?https?://|\[[^\]]*\]\(\s*<?https?://[^)\s]*[?&][a-z_]+=`)},
	{RulePromptLeak, regexp.MustCompile(`(?i)\b(?:reveal|print|show|repeat|output|dump|leak)\b[^.\n]{0,20}\b(?:your|the)\s+(?:(?:system|initial|hidden|original|full|developer)\s+)?(?:prompt|instructions)\b|\bwhat (?:is|are|were) your (?:system |initial |original )?(?:prompt|instructions)\b`)},
}

// ScreenInjection finds text that tries to instruct a model rather than
// inform it: instruction overrides, chat role markers, tool directives,
// exfiltration requests and prompt-leak requests. Retrieved documents and
// user messages are data; a chunk with findings is kept in the index (it
// may be a legitimate runbook quoting an attack) but flagged, and the
// drafter leaves flagged chunks out of prompts. One finding per rule, in
// rule order, each with an excerpt of at most 120 bytes.
func ScreenInjection(text string) []Finding {
	var out []Finding
	seen := map[string]bool{}
	for _, r := range injectionRules {
		if seen[r.rule] {
			continue
		}
		if loc := r.re.FindStringIndex(text); loc != nil {
			seen[r.rule] = true
			ex := strings.TrimSpace(text[loc[0]:loc[1]])
			if len(ex) > 120 {
				ex = ex[:120]
			}
			out = append(out, Finding{Rule: r.rule, Excerpt: ex})
		}
	}
	return out
}
