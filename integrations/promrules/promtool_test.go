package promrules_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/slorec/slorec/integrations/prometheus/promtest"
	"github.com/slorec/slorec/integrations/promrules"
)

// promtool returns the promtool binary from SLOREC_PROMETHEUS_BIN (see
// promtest.Bin: skipped without it, except under CI=true, where that
// fails the test).
func promtool(t *testing.T) string {
	t.Helper()
	return filepath.Join(promtest.Bin(t), "promtool")
}

// checkRules runs one `promtool check rules` over every file, with the
// duplicate-rules lint fatal, and requires each to pass.
func checkRules(t *testing.T, files ...string) {
	t.Helper()
	require.NotEmpty(t, files)
	args := append([]string{"check", "rules", "--lint-fatal"}, files...)
	out, err := exec.Command(promtool(t), args...).CombinedOutput()
	require.NoError(t, err, "promtool check rules:\n%s", out)
	require.Equal(t, len(files), strings.Count(string(out), "SUCCESS"), "promtool check rules:\n%s", out)
}

// writeRules writes a result's YAML to dir/name and returns the path.
func writeRules(t *testing.T, dir, name string, res *promrules.Result) string {
	t.Helper()
	b, err := res.YAML()
	require.NoError(t, err)
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, b, 0o644))
	return path
}

// A promtool unit-test file (promtool test rules).
type unitFile struct {
	RuleFiles          []string   `yaml:"rule_files"`
	EvaluationInterval string     `yaml:"evaluation_interval"`
	GroupEvalOrder     []string   `yaml:"group_eval_order,omitempty"`
	Tests              []unitTest `yaml:"tests"`
}

type unitTest struct {
	Name        string           `yaml:"name"`
	Interval    string           `yaml:"interval"`
	InputSeries []inputSeries    `yaml:"input_series"`
	Alerts      []alertTest      `yaml:"alert_rule_test,omitempty"`
	Exprs       []promqlExprTest `yaml:"promql_expr_test,omitempty"`
}

type inputSeries struct {
	Series string `yaml:"series"`
	Values string `yaml:"values"`
}

type alertTest struct {
	EvalTime  string     `yaml:"eval_time"`
	Alertname string     `yaml:"alertname"`
	ExpAlerts []expAlert `yaml:"exp_alerts"`
}

type expAlert struct {
	ExpLabels      map[string]string `yaml:"exp_labels"`
	ExpAnnotations map[string]string `yaml:"exp_annotations,omitempty"`
}

type promqlExprTest struct {
	Expr       string      `yaml:"expr"`
	EvalTime   string      `yaml:"eval_time"`
	ExpSamples []expSample `yaml:"exp_samples"`
}

type expSample struct {
	Labels string  `yaml:"labels"`
	Value  float64 `yaml:"value"`
}

// seg is a stretch of a counter: n samples, each inc above the last.
type seg struct {
	inc float64
	n   int
}

// counter returns promtool's expanding notation for a counter that starts
// at 0 and then grows by each segment's inc per sample for its n samples:
// counter(seg{1000, 2}, seg{5, 2}) is 0, 1000, 2000, 2005, 2010.
func counter(segs ...seg) string {
	var parts []string
	v := 0.0
	for i, s := range segs {
		start, n := v+s.inc, s.n-1
		if i == 0 {
			start, n = v, s.n
		}
		parts = append(parts, fmt.Sprintf("%s+%sx%d", ftoa(start), ftoa(s.inc), n))
		v += s.inc * float64(s.n)
	}
	return strings.Join(parts, " ")
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// runUnitTests writes the unit-test file beside the rule file and runs
// promtool test rules on it, returning its output and whether it passed.
func runUnitTests(t *testing.T, rules string, interval string, tests ...unitTest) (string, bool) {
	t.Helper()
	f := unitFile{RuleFiles: []string{filepath.Base(rules)}, EvaluationInterval: interval, Tests: tests}
	// Without an order promtool evaluates the groups in map order, so at
	// one step an alert could read the recording rules' values of the
	// step before, and a scenario at a threshold's edge would pass or
	// fail by chance. The file's order (SLIs, metadata, alerts) is the
	// one every evaluation converges to.
	var file struct {
		Groups []struct {
			Name string `yaml:"name"`
		} `yaml:"groups"`
	}
	b, err := os.ReadFile(rules)
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(b, &file))
	for _, g := range file.Groups {
		f.GroupEvalOrder = append(f.GroupEvalOrder, g.Name)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	require.NoError(t, enc.Encode(f))
	path := strings.TrimSuffix(rules, ".yaml") + ".test.yaml"
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	cmd := exec.Command(promtool(t), "test", "rules", filepath.Base(path))
	cmd.Dir = filepath.Dir(path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, "promtool test rules did not run:\n%s", out)
	}
	return string(out), err == nil
}
