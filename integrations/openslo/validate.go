package openslo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/internal/dirfs"
)

// EnvSchemas names the environment variable holding the directory of the
// official OpenSLO v1 JSON schemas.
const EnvSchemas = "SLOREC_OPENSLO_SCHEMAS"

// SchemasDir is where FindSchemas looks for the schemas when EnvSchemas is
// unset: under this path in the working directory or any directory above
// it, which is ../shared/data/openslo-v1-schemas seen from the repository
// root. The schemas are third-party files (Apache-2.0) kept out of the
// repository.
const SchemasDir = "shared/data/openslo-v1-schemas"

// RootSchema is the file name of the top-level schema; the others live in
// its parts/ directory.
const RootSchema = "openslo.schema.json"

// Validator checks documents against the official OpenSLO v1 JSON
// schemas. It is safe for concurrent use.
type Validator struct {
	root    *jsonschema.Schema
	base    string // the root schema's $id without the file name
	general *jsonschema.Schema
	parts   map[string]*jsonschema.Schema // by kind
}

// NewValidator compiles the schemas held by fsys: RootSchema at its root
// and every other .json file anywhere in it, each registered under its own
// $id, so that the absolute $ref URLs between them resolve to the files
// and nothing is fetched (a $ref to a file not in fsys is an error). It
// returns ENOTFOUND when fsys has no RootSchema and EINVALID when the
// files do not compile.
func NewValidator(fsys fs.FS) (*Validator, error) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft7
	c.LoadURL = func(u string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("%s is not one of the schema files (nothing is fetched)", u)
	}
	ids := map[string]bool{}
	rootID := ""
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if path.Ext(p) != ".json" {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		var head struct {
			ID string `json:"$id"`
		}
		if err := json.Unmarshal(data, &head); err != nil {
			return slorec.Errorf(slorec.EINVALID, "openslo schemas: %s: %v", p, err)
		}
		if head.ID == "" {
			return slorec.Errorf(slorec.EINVALID, "openslo schemas: %s has no $id", p)
		}
		if ids[head.ID] {
			return slorec.Errorf(slorec.EINVALID, "openslo schemas: %s repeats the $id %s", p, head.ID)
		}
		ids[head.ID] = true
		if p == RootSchema {
			rootID = head.ID
		}
		return c.AddResource(head.ID, bytes.NewReader(data))
	})
	if err != nil {
		if slorec.ErrorCode(err) == slorec.EINVALID {
			return nil, err
		}
		return nil, slorec.Errorf(slorec.EINVALID, "openslo schemas: %v", err)
	}
	if rootID == "" {
		return nil, slorec.Errorf(slorec.ENOTFOUND, "openslo schemas: no %s at the root", RootSchema)
	}
	v := &Validator{base: strings.TrimSuffix(rootID, RootSchema), parts: map[string]*jsonschema.Schema{}}
	if v.root, err = c.Compile(rootID); err != nil {
		return nil, slorec.Errorf(slorec.EINVALID, "openslo schemas: compile: %v", err)
	}
	// The general schema and the kind's spec schema, which the root
	// combines, explain a failure better than the root: its oneOf over
	// kinds fails in every branch.
	if u := v.base + "parts/general.schema.json"; ids[u] {
		if v.general, err = c.Compile(u); err != nil {
			return nil, slorec.Errorf(slorec.EINVALID, "openslo schemas: compile: %v", err)
		}
	}
	for _, kind := range []string{KindAlertCondition, KindAlertNotificationTarget, KindAlertPolicy, KindDataSource, KindService, KindSLI, KindSLO} {
		u := v.base + "parts/" + strings.ToLower(kind) + "-spec.schema.json"
		if !ids[u] {
			continue
		}
		s, err := c.Compile(u)
		if err != nil {
			return nil, slorec.Errorf(slorec.EINVALID, "openslo schemas: compile: %v", err)
		}
		v.parts[kind] = s
	}
	return v, nil
}

// NewValidatorDir compiles the schemas in dir, as NewValidator does. It
// returns ENOTFOUND when dir does not exist.
func NewValidatorDir(dir string) (*Validator, error) {
	fsys, err := dirfs.Open("openslo schemas", dir)
	if err != nil {
		return nil, err
	}
	return NewValidator(fsys)
}

// FindSchemas returns the schema directory: the value of EnvSchemas when
// set (an error if it holds no RootSchema), else the first SchemasDir
// found walking up from the working directory. It returns ENOTFOUND when
// there is none.
func FindSchemas(getenv func(string) string) (string, error) {
	has := func(dir string) bool {
		fi, err := os.Stat(filepath.Join(dir, RootSchema))
		return err == nil && fi.Mode().IsRegular()
	}
	if dir := getenv(EnvSchemas); dir != "" {
		if !has(dir) {
			return "", slorec.Errorf(slorec.ENOTFOUND, "openslo schemas: %s=%s holds no %s", EnvSchemas, dir, RootSchema)
		}
		return dir, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", slorec.Errorf(slorec.ENOTFOUND, "openslo schemas: %v", err)
	}
	for {
		if cand := filepath.Join(dir, filepath.FromSlash(SchemasDir)); has(cand) {
			return cand, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", slorec.Errorf(slorec.ENOTFOUND, "openslo schemas: not found; set %s or put them at ../%s next to the repository", EnvSchemas, SchemasDir)
		}
		dir = parent
	}
}

// DefaultValidator compiles the schemas FindSchemas finds.
func DefaultValidator(getenv func(string) string) (*Validator, error) {
	dir, err := FindSchemas(getenv)
	if err != nil {
		return nil, err
	}
	return NewValidatorDir(dir)
}

// Validate checks doc against the schemas found by FindSchemas (with the
// process environment); see Validator.Validate.
func Validate(doc []byte) error {
	v, err := DefaultValidator(os.Getenv)
	if err != nil {
		return err
	}
	return v.Validate(doc)
}

// Validate checks every object of doc, a stream of YAML (or JSON)
// documents as Export writes them; a document that is a list, or a
// kind: List, has its items checked. It returns an *Error (EINVALID)
// whose problems name the document, the object's kind and name, the JSON
// pointer of the offending value, its line, and the schema keyword that
// failed. Input without any object is an error too.
func (v *Validator) Validate(doc []byte) error {
	var ps problems
	objs := readObjects(bytes.NewReader(doc), &ps)
	if len(objs) == 0 && len(ps.list) == 0 {
		ps.add(Problem{Message: "no OpenSLO objects in the input"})
	}
	for _, o := range objs {
		v.object(o, &ps)
	}
	slices.SortStableFunc(ps.list, compareProblems)
	return ps.err("validate")
}

func (v *Validator) object(o *object, ps *problems) {
	val, err := toJSON(o.node)
	if err != nil {
		ps.add(o.lineMessage(err.Error()))
		return
	}
	err = v.root.Validate(val)
	if err == nil {
		return
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		ps.add(o.at("", "%v", err))
		return
	}
	var leaves []*jsonschema.ValidationError
	for _, s := range []*jsonschema.Schema{v.general, v.parts[o.kind]} {
		if s == nil {
			continue
		}
		var e *jsonschema.ValidationError
		if errors.As(s.Validate(val), &e) {
			leaves = appendLeaves(leaves, e)
		}
	}
	if len(leaves) == 0 {
		leaves = appendLeaves(nil, ve)
	}
	seen := map[string]bool{}
	for _, l := range leaves {
		msg := l.Message + " (schema " + strings.TrimPrefix(l.AbsoluteKeywordLocation, v.base) + ")"
		if seen[l.InstanceLocation+msg] {
			continue
		}
		seen[l.InstanceLocation+msg] = true
		ps.add(o.at(l.InstanceLocation, "%s", msg))
	}
}

// appendLeaves appends the errors without causes under e: the keywords
// that failed, rather than the schemas that contain them.
func appendLeaves(out []*jsonschema.ValidationError, e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(e.Causes) == 0 {
		return append(out, e)
	}
	for _, c := range e.Causes {
		out = appendLeaves(out, c)
	}
	return out
}
