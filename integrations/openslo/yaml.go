package openslo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/slorec/slorec/internal/yamlerr"
)

// MaxInputBytes bounds the input of Import and Validate. OpenSLO files are
// kilobytes; an export of a thousand services is about two megabytes.
const MaxInputBytes = 16 << 20

// object is one OpenSLO object of the input: a YAML document, or an item
// of a document that is a list.
type object struct {
	doc, item int
	node      *yaml.Node // the object; a mapping unless the input is malformed
	kind      string     // as written, when a string
	name      string     // metadata.name, when a string
}

// at returns a problem about the value at JSON pointer ptr, located at
// its line (the object's for an empty pointer).
func (o *object) at(ptr, format string, args ...any) Problem {
	line := lineOf(o.node, ptr)
	return Problem{Document: o.doc, Item: o.item, Line: line, Kind: o.kind, Name: o.name, Pointer: ptr, Message: fmt.Sprintf(format, args...)}
}

// readObjects splits a stream into objects. A document that is a YAML
// sequence, or a mapping with kind List and items (the Kubernetes list
// form), holds one object per item. Empty documents are skipped. Malformed
// YAML is a problem that ends the stream: yaml.v3 cannot resume after a
// syntax error.
func readObjects(r io.Reader, ps *problems) []*object {
	data, err := io.ReadAll(io.LimitReader(r, MaxInputBytes+1))
	if err != nil {
		ps.add(Problem{Message: "read: " + err.Error()})
		return nil
	}
	if len(data) > MaxInputBytes {
		ps.add(Problem{Message: fmt.Sprintf("input is larger than %d MiB", MaxInputBytes>>20)})
		return nil
	}
	var objs []*object
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for doc := 1; ; doc++ {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return objs
		}
		if err != nil {
			ps.add(Problem{Document: doc, Line: yamlerr.Line(err), Message: "malformed YAML: " + yamlerr.Message(err)})
			return objs
		}
		if len(n.Content) == 0 {
			continue
		}
		root := yamlerr.Deref(n.Content[0])
		if root == nil || root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
			continue // an empty document, as after a trailing "---"
		}
		items := []*yaml.Node(nil)
		switch {
		case root.Kind == yaml.SequenceNode:
			items = root.Content
		case root.Kind == yaml.MappingNode && scalarAt(root, "kind") == "List" && get(root, "items") != nil:
			it := get(root, "items")
			if it.Kind != yaml.SequenceNode {
				ps.add(Problem{Document: doc, Line: it.Line, Kind: "List", Pointer: "/items", Message: "items is " + yamlerr.Describe(it) + ", want a list of objects"})
				continue
			}
			items = it.Content
		default:
			objs = append(objs, newObject(doc, 0, root))
			continue
		}
		for i, it := range items {
			if it = yamlerr.Deref(it); it != nil {
				objs = append(objs, newObject(doc, i+1, it))
			}
		}
	}
}

func newObject(doc, item int, n *yaml.Node) *object {
	o := &object{doc: doc, item: item, node: n}
	if n.Kind == yaml.MappingNode {
		o.kind = scalarAt(n, "kind")
		o.name = scalarAt(get(n, "metadata"), "name")
	}
	return o
}

// get returns the value at key of mapping m, or nil, following aliases
// and merge keys ("<<: *defaults").
func get(m *yaml.Node, key string) *yaml.Node {
	_, v := entry(m, key, 0)
	return v
}

func isMerge(k *yaml.Node) bool { return k.Value == "<<" && k.ShortTag() == "!!merge" }

// scalarAt returns the string at key of mapping m, or "".
func scalarAt(m *yaml.Node, key string) string {
	v := get(m, key)
	if v == nil || v.Kind != yaml.ScalarNode || v.ShortTag() == "!!null" {
		return ""
	}
	return v.Value
}

// lookup returns the node a JSON pointer names under n, or the deepest
// node on the way.
func lookup(n *yaml.Node, ptr string) *yaml.Node {
	v, _ := walk(n, ptr)
	return v
}

// lineOf returns the line of the value a JSON pointer names under n, or
// of the deepest value on the way: the line of its key in a mapping (for
// a block mapping or list the value itself starts a line later), of the
// item in a list.
func lineOf(n *yaml.Node, ptr string) int {
	_, line := walk(n, ptr)
	return line
}

func walk(n *yaml.Node, ptr string) (*yaml.Node, int) {
	n = yamlerr.Deref(n)
	if n == nil {
		return nil, 0
	}
	line := n.Line
	if ptr == "" || ptr == "/" {
		return n, line
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		var next *yaml.Node
		nextLine := 0
		switch n.Kind {
		case yaml.MappingNode:
			if k, v := entry(n, tok, 0); v != nil {
				next, nextLine = v, k.Line
			}
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(tok); err == nil && i >= 0 && i < len(n.Content) {
				next = yamlerr.Deref(n.Content[i])
				if next != nil {
					nextLine = next.Line
				}
			}
		}
		if next == nil {
			return n, line
		}
		n, line = next, nextLine
	}
	return n, line
}

// entry returns the key and value at key of mapping m, following merge
// keys; nil when absent.
func entry(m *yaml.Node, key string, depth int) (*yaml.Node, *yaml.Node) {
	m = yamlerr.Deref(m)
	if m == nil || m.Kind != yaml.MappingNode || depth > 10 {
		return nil, nil
	}
	var merges []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if k.Kind != yaml.ScalarNode {
			continue
		}
		if isMerge(k) {
			merges = append(merges, m.Content[i+1])
			continue
		}
		if k.Value == key {
			if v := yamlerr.Deref(m.Content[i+1]); v != nil {
				return k, v
			}
			return nil, nil
		}
	}
	for _, v := range merges {
		v = yamlerr.Deref(v)
		srcs := []*yaml.Node{v}
		if v != nil && v.Kind == yaml.SequenceNode {
			srcs = v.Content
		}
		for _, src := range srcs {
			if k, n := entry(src, key, depth+1); n != nil {
				return k, n
			}
		}
	}
	return nil, nil
}

// maxJSONNodes bounds the values toJSON produces: aliases expand, and a
// document of nested aliases expands exponentially.
const maxJSONNodes = 1 << 20

// toJSON converts a YAML node to the value encoding/json would decode from
// the equivalent JSON (numbers as json.Number), as the schema validator
// expects. Unlike yaml.v3's own decoding into any, timestamps stay the
// strings they were written as, as a JSON reader sees them.
func toJSON(n *yaml.Node) (any, error) {
	budget := maxJSONNodes
	return toJSONDepth(n, &budget, 0)
}

func toJSONDepth(n *yaml.Node, budget *int, depth int) (any, error) {
	*budget--
	if *budget < 0 {
		return nil, fmt.Errorf("too many values (aliases expand to more than %d)", maxJSONNodes)
	}
	if depth > 1000 {
		return nil, fmt.Errorf("line %d: nested too deeply", n.Line)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return toJSONDepth(n.Content[0], budget, depth+1)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, fmt.Errorf("line %d: unresolved alias", n.Line)
		}
		return toJSONDepth(n.Alias, budget, depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := toJSONDepth(c, budget, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		var merges []*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind == yaml.ScalarNode && isMerge(k) {
				merges = append(merges, n.Content[i+1])
				continue
			}
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a mapping key is %s; JSON keys are strings", k.Line, yamlerr.Describe(k))
			}
			if _, dup := out[k.Value]; dup {
				return nil, fmt.Errorf("line %d: mapping key %q is defined twice", k.Line, k.Value)
			}
			v, err := toJSONDepth(n.Content[i+1], budget, depth+1)
			if err != nil {
				return nil, err
			}
			out[k.Value] = v
		}
		for _, m := range merges {
			m = yamlerr.Deref(m)
			srcs := []*yaml.Node{m}
			if m != nil && m.Kind == yaml.SequenceNode {
				srcs = m.Content
			}
			for _, src := range srcs {
				v, err := toJSONDepth(src, budget, depth+1)
				if err != nil {
					return nil, err
				}
				mv, ok := v.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("line %d: a merge key (<<) needs a mapping", src.Line)
				}
				for k, x := range mv {
					if _, set := out[k]; !set {
						out[k] = x
					}
				}
			}
		}
		return out, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, err
			}
			return b, nil
		case "!!int", "!!float":
			var f float64
			if err := n.Decode(&f); err != nil {
				return nil, err
			}
			if math.IsInf(f, 0) || math.IsNaN(f) {
				return nil, fmt.Errorf("line %d: %s is not a JSON number", n.Line, n.Value)
			}
			if n.ShortTag() == "!!int" {
				var i int64
				if err := n.Decode(&i); err == nil {
					return json.Number(strconv.FormatInt(i, 10)), nil
				}
			}
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
		}
		return n.Value, nil
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
}

var typeErrorLine = regexp.MustCompile(`^line (\d+): `)

// decodeProblems turns the errors of yaml.Node.Decode into problems of o,
// each at the line yaml.v3 names.
func decodeProblems(o *object, err error) []Problem {
	msgs := []string{yamlerr.Message(err)}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	var out []Problem
	for _, e := range msgs {
		out = append(out, o.lineMessage(e))
	}
	return out
}

// lineMessage is a problem of o with message msg, located at the line
// msg starts with ("line 12: ...") when it does.
func (o *object) lineMessage(msg string) Problem {
	p := o.at("", "%s", msg)
	if m := typeErrorLine.FindStringSubmatch(msg); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		p.Message = msg[len(m[0]):]
	}
	return p
}
