package dataset

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The JSON files are decoded in two steps: a token walk builds a small tree
// that remembers where every value starts, then a strict reflective decoder
// fills the typed value and reports every unknown field, type mismatch and
// duplicate key with its JSON path and line. encoding/json alone stops at the
// first problem and reports no line, which is not enough for a file a person
// has to fix.

// maxJSONDepth bounds nesting; the dataset schemas are at most five deep.
const maxJSONDepth = 64

type jnode struct {
	kind byte // '{', '[', 's' string, 'n' number, 'b' bool, 'z' null
	off  int64
	str  string // string value or number literal
	b    bool
	keys []string // object keys, parallel to vals
	vals []*jnode // object values or array elements
}

// jdoc is one decoded JSON file: its bytes, for line numbers, and where each
// path's value starts, for the semantic checks that run after decoding.
type jdoc struct {
	file  string
	data  []byte
	c     *collector
	offs  map[string]int64
	types map[reflect.Type]map[string]int
	// failed holds paths whose value could not be decoded; semantic checks
	// skip them rather than report a second problem ("required") there.
	failed map[string]bool
}

func newJDoc(file string, data []byte, c *collector) *jdoc {
	return &jdoc{file: file, data: data, c: c, offs: map[string]int64{}, types: map[reflect.Type]map[string]int{}, failed: map[string]bool{}}
}

// lineAt returns the 1-based line of a byte offset.
func (d *jdoc) lineAt(off int64) int {
	if off < 0 {
		return 0
	}
	if off > int64(len(d.data)) {
		off = int64(len(d.data))
	}
	return 1 + bytes.Count(d.data[:off], []byte{'\n'})
}

// line returns the line of the value at path, or of its nearest recorded
// ancestor when the value itself is absent from the file.
func (d *jdoc) line(path string) int {
	for {
		if off, ok := d.offs[path]; ok {
			return d.lineAt(off)
		}
		i := strings.LastIndexAny(path, ".[")
		if i <= 0 {
			return 0
		}
		path = path[:i]
	}
}

// add reports a problem found by a semantic check, unless decoding already
// reported one at the same path.
func (d *jdoc) add(path, field, format string, args ...any) {
	if d.failed[path] {
		return
	}
	d.c.add(Problem{File: d.file, Line: d.line(path), Path: path, Field: field, Message: fmt.Sprintf(format, args...)})
}

// fail reports a decoding problem at path.
func (d *jdoc) fail(path, field, format string, args ...any) {
	d.failed[path] = true
	d.c.add(Problem{File: d.file, Line: d.line(path), Path: path, Field: field, Message: fmt.Sprintf(format, args...)})
}

// decode parses the file into v (a pointer). It reports false when the file
// is not even well-formed JSON; semantic checks are then pointless.
func (d *jdoc) decode(v any) bool {
	root, err := d.parse()
	if err != nil {
		var se *json.SyntaxError
		off := int64(len(d.data))
		if errors.As(err, &se) {
			off = se.Offset
		}
		d.c.add(Problem{File: d.file, Line: d.lineAt(off), Message: "malformed JSON: " + err.Error()})
		return false
	}
	d.value(root, reflect.ValueOf(v).Elem(), "", "")
	return true
}

func (d *jdoc) parse() (*jnode, error) {
	dec := json.NewDecoder(bytes.NewReader(d.data))
	dec.UseNumber()
	root, err := d.node(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = errors.New("unexpected data after the top-level value")
		}
		return nil, err
	}
	return root, nil
}

func (d *jdoc) node(dec *json.Decoder, depth int) (*jnode, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("nested deeper than %d levels", maxJSONDepth)
	}
	off := d.skipSpace(dec.InputOffset())
	tok, err := dec.Token()
	if err == io.EOF {
		return nil, io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, err
	}
	n := &jnode{off: off}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n.kind = '{'
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := kt.(string)
				if !ok {
					return nil, errors.New("object key is not a string")
				}
				v, err := d.node(dec, depth+1)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, key)
				n.vals = append(n.vals, v)
			}
		case '[':
			n.kind = '['
			for dec.More() {
				v, err := d.node(dec, depth+1)
				if err != nil {
					return nil, err
				}
				n.vals = append(n.vals, v)
			}
		default:
			return nil, fmt.Errorf("unexpected %q", rune(t))
		}
		if _, err := dec.Token(); err != nil { // closing delimiter
			return nil, err
		}
	case string:
		n.kind, n.str = 's', t
	case json.Number:
		n.kind, n.str = 'n', string(t)
	case bool:
		n.kind, n.b = 'b', t
	case nil:
		n.kind = 'z'
	default:
		return nil, fmt.Errorf("unexpected token %v", tok)
	}
	return n, nil
}

// skipSpace moves an offset reported by the decoder (just after the previous
// token) to the first byte of the next value.
func (d *jdoc) skipSpace(off int64) int64 {
	for off < int64(len(d.data)) {
		switch d.data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

var timeType = reflect.TypeFor[time.Time]()

func kindName(k byte) string {
	switch k {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 's':
		return "a string"
	case 'n':
		return "a number"
	case 'b':
		return "a boolean"
	}
	return "null"
}

// value decodes n into v, recording where path starts.
func (d *jdoc) value(n *jnode, v reflect.Value, path, field string) {
	d.offs[path] = n.off
	if n.kind == 'z' {
		return // null leaves the zero value, as encoding/json does
	}
	mismatch := func(want string) {
		d.fail(path, field, "want %s, got %s", want, kindName(n.kind))
	}
	t := v.Type()
	if t == timeType {
		if n.kind != 's' {
			mismatch("an RFC 3339 timestamp string")
			return
		}
		ts, err := time.Parse(time.RFC3339, n.str)
		if err != nil {
			d.fail(path, field, "%q is not an RFC 3339 timestamp (want e.g. 2026-10-01T13:00:00Z)", n.str)
			return
		}
		v.Set(reflect.ValueOf(ts.UTC()))
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		e := reflect.New(t.Elem())
		d.value(n, e.Elem(), path, field)
		v.Set(e)
	case reflect.String:
		if n.kind != 's' {
			mismatch("a string")
			return
		}
		v.SetString(n.str)
	case reflect.Bool:
		if n.kind != 'b' {
			mismatch("a boolean")
			return
		}
		v.SetBool(n.b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n.kind != 'n' {
			mismatch("an integer")
			return
		}
		i, err := strconv.ParseInt(n.str, 10, t.Bits())
		if err != nil {
			if f, ferr := strconv.ParseFloat(n.str, 64); ferr == nil && f == float64(int64(f)) && !v.OverflowInt(int64(f)) {
				v.SetInt(int64(f)) // 1e3 and 2.0 are integers too
				return
			}
			d.fail(path, field, "%s is not an integer in range", n.str)
			return
		}
		v.SetInt(i)
	case reflect.Float32, reflect.Float64:
		if n.kind != 'n' {
			mismatch("a number")
			return
		}
		f, err := strconv.ParseFloat(n.str, t.Bits())
		if err != nil {
			d.fail(path, field, "%s is out of range", n.str)
			return
		}
		v.SetFloat(f)
	case reflect.Slice:
		if n.kind != '[' {
			mismatch("an array")
			return
		}
		s := reflect.MakeSlice(t, len(n.vals), len(n.vals))
		for i, e := range n.vals {
			d.value(e, s.Index(i), path+"["+strconv.Itoa(i)+"]", field)
		}
		v.Set(s)
	case reflect.Map:
		if n.kind != '{' || t.Key().Kind() != reflect.String {
			mismatch("an object")
			return
		}
		m := reflect.MakeMapWithSize(t, len(n.keys))
		for i, k := range n.keys {
			kp := path + "[" + strconv.Quote(k) + "]"
			kv := reflect.ValueOf(k).Convert(t.Key())
			if m.MapIndex(kv).IsValid() {
				d.fail(kp, field, "duplicate key %q", k)
				continue
			}
			e := reflect.New(t.Elem()).Elem()
			d.value(n.vals[i], e, kp, field)
			m.SetMapIndex(kv, e)
		}
		v.Set(m)
	case reflect.Struct:
		if n.kind != '{' {
			mismatch("an object")
			return
		}
		fields := d.fields(t)
		seen := make(map[string]bool, len(n.keys))
		for i, k := range n.keys {
			kp := k
			if path != "" {
				kp = path + "." + k
			}
			idx, ok := fields[k]
			if !ok {
				d.offs[kp] = n.vals[i].off
				d.fail(kp, k, "unknown field %q (allowed: %s)", k, allowedFields(fields))
				continue
			}
			if seen[k] {
				d.offs[kp] = n.vals[i].off
				d.fail(kp, k, "duplicate key %q", k)
				continue
			}
			seen[k] = true
			d.value(n.vals[i], v.Field(idx), kp, k)
		}
	default:
		d.fail(path, field, "unsupported value")
	}
}

// fields maps the JSON names of t's exported fields to their indexes. Names
// match exactly: encoding/json's case-insensitive matching would let a typo
// such as "Target" pass unnoticed.
func (d *jdoc) fields(t reflect.Type) map[string]int {
	if f, ok := d.types[t]; ok {
		return f
	}
	f := map[string]int{}
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		f[name] = i
	}
	d.types[t] = f
	return f
}

func allowedFields(f map[string]int) string {
	names := make([]string, 0, len(f))
	for k := range f {
		names = append(names, k)
	}
	// Declaration order is the order the schema documents.
	slices.SortFunc(names, func(a, b string) int { return cmp.Compare(f[a], f[b]) })
	return strings.Join(names, ", ")
}
