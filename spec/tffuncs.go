package spec

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/big"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/go-cty-funcs/cidr"
	"github.com/hashicorp/go-cty-funcs/crypto"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	yaml "github.com/zclconf/go-cty-yaml"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/ianaindex"
)

// terraformFunctions are Terraform's built-in functions that go-cty's
// standard library and go-cty-funcs lack or spell differently from
// Terraform, written here to Terraform's documented results: length of a
// string or an object, replace with a /regex/, one, alltrue, anytrue, sum,
// index, matchkeys, transpose, the base64 digests, the file digests (read
// through fs, so confined like every file function), base64gzip, the text
// encodings, YAML, the CIDR functions, timecmp, sensitive, nonsensitive and
// issensitive. functions merges them into the table.
//
// timestamp() and plantimestamp() stay out on purpose: a manifest must mean
// the same on every run, and for a saved plan the same at plan and apply.
func terraformFunctions(fs fsFuncs) map[string]function.Function {
	return map[string]function.Function{
		// Strings.
		"length":  lengthFunc,
		"replace": replaceFunc,
		// Collections.
		"alltrue":   allTrueFunc,
		"anytrue":   anyTrueFunc,
		"index":     indexFunc,
		"matchkeys": matchkeysFunc,
		"one":       oneFunc,
		"sum":       sumFunc,
		"transpose": transposeFunc,
		// Encoding.
		"base64gzip":       base64GzipFunc,
		"textencodebase64": textEncodeBase64Func,
		"textdecodebase64": textDecodeBase64Func,
		"yamldecode":       yaml.YAMLDecodeFunc,
		"yamlencode":       yaml.YAMLEncodeFunc,
		// Hashes and crypto.
		"base64sha256":     stringDigestFunc(sha256.New, base64.StdEncoding.EncodeToString),
		"base64sha512":     stringDigestFunc(sha512.New, base64.StdEncoding.EncodeToString),
		"bcrypt":           crypto.BcryptFunc,
		"rsadecrypt":       crypto.RsaDecryptFunc,
		"filemd5":          fs.guard(fileDigestFunc(md5.New, hex.EncodeToString), true),
		"filesha1":         fs.guard(fileDigestFunc(sha1.New, hex.EncodeToString), true),
		"filesha512":       fs.guard(fileDigestFunc(sha512.New, hex.EncodeToString), true),
		"filebase64sha256": fs.guard(fileDigestFunc(sha256.New, base64.StdEncoding.EncodeToString), true),
		"filebase64sha512": fs.guard(fileDigestFunc(sha512.New, base64.StdEncoding.EncodeToString), true),
		// Networks.
		"cidrhost":    cidr.HostFunc,
		"cidrnetmask": cidr.NetmaskFunc,
		"cidrsubnet":  cidr.SubnetFunc,
		"cidrsubnets": cidr.SubnetsFunc,
		// Date and time.
		"timecmp": timeCmpFunc,
		// Sensitivity.
		"sensitive":    sensitiveFunc,
		"nonsensitive": nonsensitiveFunc,
		"issensitive":  isSensitiveFunc,
	}
}

// lengthFunc is Terraform's length: the number of elements of a list, set
// or tuple, of keys of a map or attributes of an object, or of characters
// (grapheme clusters, as Terraform counts them) of a string.
var lengthFunc = function.New(&function.Spec{
	Description: "The number of elements, attributes or characters in the given value.",
	Params: []function.Parameter{{
		Name: "value", Type: cty.DynamicPseudoType,
		AllowDynamicType: true, AllowUnknown: true, AllowMarked: true,
	}},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		switch {
		case ty == cty.String, ty == cty.DynamicPseudoType, ty.IsCollectionType(), ty.IsTupleType(), ty.IsObjectType():
			return cty.Number, nil
		}
		return cty.Number, errors.New("argument must be a string, a collection type, or a structural type")
	},
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v, marks := args[0].Unmark()
		ty := v.Type()
		switch {
		case v.IsNull():
			return cty.NilVal, errors.New("argument must not be null")
		case ty == cty.String:
			if !v.IsKnown() {
				return cty.UnknownVal(cty.Number).WithMarks(marks), nil
			}
			n, err := stdlib.Strlen(v)
			return n.WithMarks(marks), err
		case ty.IsObjectType():
			return cty.NumberIntVal(int64(len(ty.AttributeTypes()))).WithMarks(marks), nil
		case ty.IsTupleType():
			return cty.NumberIntVal(int64(len(ty.TupleElementTypes()))).WithMarks(marks), nil
		case !v.IsKnown():
			return cty.UnknownVal(cty.Number).WithMarks(marks), nil
		}
		return v.Length().WithMarks(marks), nil
	},
})

// replaceFunc is Terraform's replace: a substring wrapped in forward
// slashes is a regular expression, and the replacement may then refer to
// its captures ($1, ${name}).
var replaceFunc = function.New(&function.Spec{
	Description: "Replaces every occurrence of substring in str (a /regular expression/ when wrapped in slashes) with replace.",
	Params: []function.Parameter{
		{Name: "str", Type: cty.String},
		{Name: "substring", Type: cty.String},
		{Name: "replace", Type: cty.String},
	},
	Type: function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		str, sub, repl := args[0].AsString(), args[1].AsString(), args[2].AsString()
		if len(sub) > 1 && sub[0] == '/' && sub[len(sub)-1] == '/' {
			re, err := regexp.Compile(sub[1 : len(sub)-1])
			if err != nil {
				return cty.NilVal, function.NewArgErrorf(1, "invalid regular expression %s: %s", sub, err)
			}
			return cty.StringVal(re.ReplaceAllString(str, repl)), nil
		}
		return cty.StringVal(strings.ReplaceAll(str, sub, repl)), nil
	},
})

// allTrueFunc is true when every element is true (an empty list is).
var allTrueFunc = boolFold("alltrue", true)

// anyTrueFunc is true when an element is true (an empty list is not).
var anyTrueFunc = boolFold("anytrue", false)

// boolFold makes alltrue (all) and anytrue: a null element counts as false,
// and an unknown one makes the result unknown unless the answer is decided.
func boolFold(name string, all bool) function.Function {
	return function.New(&function.Spec{
		Description: map[bool]string{true: "Whether every element is true.", false: "Whether any element is true."}[all],
		Params:      []function.Parameter{{Name: "list", Type: cty.List(cty.Bool)}},
		Type:        function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			unknown := false
			for it := args[0].ElementIterator(); it.Next(); {
				_, v := it.Element()
				switch {
				case !v.IsKnown():
					unknown = true
				case v.IsNull() || v.False():
					if all {
						return cty.False, nil
					}
				case !all:
					return cty.True, nil
				}
			}
			if unknown {
				return cty.UnknownVal(cty.Bool), nil
			}
			return cty.BoolVal(all), nil
		},
	})
}

// oneFunc is Terraform's one: null for an empty list, set or tuple, the
// element of one with a single element, and an error for more.
var oneFunc = function.New(&function.Spec{
	Description: "The one element of a collection of zero or one elements; null when it is empty.",
	Params:      []function.Parameter{{Name: "list", Type: cty.DynamicPseudoType}},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		switch {
		case ty.IsListType() || ty.IsSetType():
			return ty.ElementType(), nil
		case ty.IsTupleType():
			switch elems := ty.TupleElementTypes(); len(elems) {
			case 0:
				return cty.DynamicPseudoType, nil
			case 1:
				return elems[0], nil
			}
			return cty.NilType, function.NewArgErrorf(0, "must be a list, set, or tuple value with either zero or one elements")
		}
		return cty.NilType, function.NewArgErrorf(0, "must be a list, set, or tuple value with either zero or one elements")
	},
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		v := args[0]
		if v.IsNull() {
			return cty.NilVal, function.NewArgErrorf(0, "argument must not be null")
		}
		if !v.IsKnown() {
			return cty.UnknownVal(retType), nil
		}
		switch v.LengthInt() {
		case 0:
			return cty.NullVal(retType), nil
		case 1:
			it := v.ElementIterator()
			it.Next()
			_, e := it.Element()
			return e, nil
		}
		return cty.NilVal, function.NewArgErrorf(0, "must be a list, set, or tuple value with either zero or one elements")
	},
})

// sumFunc adds the numbers of a list, set or tuple; an empty one is an
// error, as in Terraform.
var sumFunc = function.New(&function.Spec{
	Description: "The total of the numbers in the given list, set or tuple.",
	Params:      []function.Parameter{{Name: "list", Type: cty.DynamicPseudoType}},
	Type:        function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v := args[0]
		ty := v.Type()
		if !ty.IsListType() && !ty.IsSetType() && !ty.IsTupleType() {
			return cty.NilVal, function.NewArgErrorf(0, "argument must be list, set, or tuple. Received %s", ty.FriendlyName())
		}
		if !v.IsWhollyKnown() {
			return cty.UnknownVal(cty.Number), nil
		}
		if v.LengthInt() == 0 {
			return cty.NilVal, function.NewArgErrorf(0, "cannot sum an empty list")
		}
		total := new(big.Float)
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if e.IsNull() {
				return cty.NilVal, function.NewArgErrorf(0, "argument must be list, set, or tuple of number values")
			}
			n, err := convert.Convert(e, cty.Number)
			if err != nil {
				return cty.NilVal, function.NewArgErrorf(0, "argument must be list, set, or tuple of number values")
			}
			total.Add(total, n.AsBigFloat())
		}
		return cty.NumberVal(total), nil
	},
})

// indexFunc is the index of the first element equal to value.
var indexFunc = function.New(&function.Spec{
	Description: "The index of the first element of list equal to value.",
	Params: []function.Parameter{
		{Name: "list", Type: cty.DynamicPseudoType},
		{Name: "value", Type: cty.DynamicPseudoType},
	},
	Type: function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		list, value := args[0], args[1]
		if ty := list.Type(); !ty.IsListType() && !ty.IsTupleType() {
			return cty.NilVal, function.NewArgErrorf(0, "argument must be a list or tuple")
		}
		if !list.IsKnown() {
			return cty.UnknownVal(cty.Number), nil
		}
		if list.LengthInt() == 0 {
			return cty.NilVal, errors.New("cannot search an empty list")
		}
		for it := list.ElementIterator(); it.Next(); {
			i, e := it.Element()
			eq, err := stdlib.Equal(e, value)
			if err != nil {
				return cty.NilVal, err
			}
			if !eq.IsKnown() {
				return cty.UnknownVal(cty.Number), nil
			}
			if eq.True() {
				return i, nil
			}
		}
		return cty.NilVal, errors.New("item not found")
	},
})

// matchkeysFunc keeps the elements of values whose counterpart in keys is
// one of searchset, in order.
var matchkeysFunc = function.New(&function.Spec{
	Description: "The elements of values whose key (the element of keys at the same index) is in searchset.",
	Params: []function.Parameter{
		{Name: "values", Type: cty.List(cty.DynamicPseudoType)},
		{Name: "keys", Type: cty.List(cty.DynamicPseudoType)},
		{Name: "searchset", Type: cty.List(cty.DynamicPseudoType)},
	},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty, _ := convert.UnifyUnsafe([]cty.Type{args[1].Type(), args[2].Type()})
		if ty == cty.NilType {
			return cty.NilType, errors.New("keys and searchset must be of the same type")
		}
		return args[0].Type(), nil
	},
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		values, keys, search := args[0], args[1], args[2]
		if !values.IsWhollyKnown() || !keys.IsWhollyKnown() || !search.IsWhollyKnown() {
			return cty.UnknownVal(retType), nil
		}
		if values.LengthInt() != keys.LengthInt() {
			return cty.ListValEmpty(retType.ElementType()), errors.New("length of keys and values should be equal")
		}
		if values.LengthInt() == 0 {
			return cty.ListValEmpty(retType.ElementType()), nil
		}
		ty, _ := convert.UnifyUnsafe([]cty.Type{keys.Type(), search.Type()})
		keys, _ = convert.Convert(keys, ty)
		search, _ = convert.Convert(search, ty)
		var out []cty.Value
		i := 0
		for it := keys.ElementIterator(); it.Next(); i++ {
			_, k := it.Element()
			for s := search.ElementIterator(); s.Next(); {
				_, want := s.Element()
				if k.RawEquals(want) {
					out = append(out, values.Index(cty.NumberIntVal(int64(i))))
					break
				}
			}
		}
		if len(out) == 0 {
			return cty.ListValEmpty(retType.ElementType()), nil
		}
		return cty.ListVal(out), nil
	},
})

// transposeFunc swaps the keys and the list values of a map of lists of
// strings.
var transposeFunc = function.New(&function.Spec{
	Description: "Swaps the keys and list values of a map of lists of strings.",
	Params:      []function.Parameter{{Name: "values", Type: cty.Map(cty.List(cty.String))}},
	Type:        function.StaticReturnType(cty.Map(cty.List(cty.String))),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		in := args[0]
		if !in.IsWhollyKnown() {
			return cty.UnknownVal(cty.Map(cty.List(cty.String))), nil
		}
		swapped := map[string][]string{}
		for it := in.ElementIterator(); it.Next(); {
			k, list := it.Element()
			if list.IsNull() {
				return cty.NilVal, errors.New("lists must not be null")
			}
			for li := list.ElementIterator(); li.Next(); {
				_, v := li.Element()
				if v.IsNull() {
					return cty.NilVal, errors.New("lists must not contain null values")
				}
				swapped[v.AsString()] = append(swapped[v.AsString()], k.AsString())
			}
		}
		if len(swapped) == 0 {
			return cty.MapValEmpty(cty.List(cty.String)), nil
		}
		out := map[string]cty.Value{}
		for k, vs := range swapped {
			list := make([]cty.Value, len(vs))
			for i, v := range vs {
				list[i] = cty.StringVal(v)
			}
			out[k] = cty.ListVal(list)
		}
		return cty.MapVal(out), nil
	},
})

// stringDigestFunc digests a string's UTF-8 bytes and encodes the raw
// digest (base64sha256, base64sha512).
func stringDigestFunc(newHash func() hash.Hash, encode func([]byte) string) function.Function {
	return function.New(&function.Spec{
		Description: "The digest of the string's UTF-8 bytes, encoded.",
		Params:      []function.Parameter{{Name: "str", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			h := newHash()
			io.WriteString(h, args[0].AsString())
			return cty.StringVal(encode(h.Sum(nil))), nil
		},
	})
}

// fileDigestFunc digests a file's bytes, streamed, and encodes the raw
// digest (filemd5, filesha1, filesha512, filebase64sha256,
// filebase64sha512). Wrapped in fsFuncs.guard, its path argument is
// resolved and confined before it gets here.
func fileDigestFunc(newHash func() hash.Hash, encode func([]byte) string) function.Function {
	return function.New(&function.Spec{
		Description: "The digest of the file's bytes, encoded.",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			f, err := openRegular(args[0].AsString())
			if err != nil {
				return cty.NilVal, err
			}
			defer f.Close()
			h := newHash()
			if _, err := io.Copy(h, f); err != nil {
				return cty.NilVal, fmt.Errorf("read %s: %w", args[0].AsString(), err)
			}
			return cty.StringVal(encode(h.Sum(nil))), nil
		},
	})
}

// base64GzipFunc gzips a string's UTF-8 bytes and encodes them in base64.
var base64GzipFunc = function.New(&function.Spec{
	Description: "The string's UTF-8 bytes, gzip-compressed, in base64.",
	Params:      []function.Parameter{{Name: "str", Type: cty.String}},
	Type:        function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		var b bytes.Buffer
		gz := gzip.NewWriter(&b)
		if _, err := io.WriteString(gz, args[0].AsString()); err != nil {
			return cty.NilVal, fmt.Errorf("compress: %w", err)
		}
		// Flushed before closing, as Terraform does: the bytes are
		// Terraform's to the last one.
		if err := gz.Flush(); err != nil {
			return cty.NilVal, fmt.Errorf("compress: %w", err)
		}
		if err := gz.Close(); err != nil {
			return cty.NilVal, fmt.Errorf("compress: %w", err)
		}
		return cty.StringVal(base64.StdEncoding.EncodeToString(b.Bytes())), nil
	},
})

// textEncodeBase64Func encodes a string in a character encoding named as
// IANA does ("UTF-16LE", "windows-1252") and the bytes in base64.
var textEncodeBase64Func = function.New(&function.Spec{
	Description: "The string encoded in the named character encoding, in base64.",
	Params:      []function.Parameter{{Name: "string", Type: cty.String}, {Name: "encoding", Type: cty.String}},
	Type:        function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		enc, err := textEncoding(args[1].AsString())
		if err != nil {
			return cty.NilVal, function.NewArgError(1, err)
		}
		b, err := enc.NewEncoder().Bytes([]byte(args[0].AsString()))
		if err != nil {
			return cty.NilVal, function.NewArgErrorf(0, "the given string contains characters that cannot be represented in %s", args[1].AsString())
		}
		return cty.StringVal(base64.StdEncoding.EncodeToString(b)), nil
	},
})

// textDecodeBase64Func is textencodebase64 backwards.
var textDecodeBase64Func = function.New(&function.Spec{
	Description: "Decodes base64 bytes in the named character encoding into a string.",
	Params:      []function.Parameter{{Name: "source", Type: cty.String}, {Name: "encoding", Type: cty.String}},
	Type:        function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		enc, err := textEncoding(args[1].AsString())
		if err != nil {
			return cty.NilVal, function.NewArgError(1, err)
		}
		raw, err := base64.StdEncoding.DecodeString(args[0].AsString())
		if err != nil {
			var cie base64.CorruptInputError
			if errors.As(err, &cie) {
				return cty.NilVal, function.NewArgErrorf(0, "the given value has an invalid base64 symbol at offset %d", int(cie))
			}
			return cty.NilVal, function.NewArgErrorf(0, "invalid source string: %s", err)
		}
		s, err := enc.NewDecoder().Bytes(raw)
		if err != nil {
			return cty.NilVal, function.NewArgErrorf(0, "the given string is not valid %s", args[1].AsString())
		}
		return cty.StringVal(string(bytes.ToValidUTF8(s, []byte("\uFFFD")))), nil
	},
})

// textEncoding finds an encoding by its IANA name.
func textEncoding(name string) (encoding.Encoding, error) {
	enc, err := ianaindex.IANA.Encoding(name)
	if err != nil || enc == nil {
		return nil, fmt.Errorf("%q is not a supported IANA encoding name or alias", name)
	}
	return enc, nil
}

// timeCmpFunc compares two RFC 3339 timestamps: -1, 0 or 1, UTC offsets
// taken into account.
var timeCmpFunc = function.New(&function.Spec{
	Description: "Compares two RFC 3339 timestamps: -1 when the first is earlier, 0 when they are the same instant, 1 when it is later.",
	Params:      []function.Parameter{{Name: "timestamp_a", Type: cty.String}, {Name: "timestamp_b", Type: cty.String}},
	Type:        function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		var ts [2]time.Time
		for i := range ts {
			t, err := time.Parse(time.RFC3339, args[i].AsString())
			if err != nil {
				return cty.NilVal, function.NewArgErrorf(i, "not a valid RFC3339 timestamp: %s", err)
			}
			ts[i] = t
		}
		return cty.NumberIntVal(int64(ts[0].Compare(ts[1]))), nil
	},
})

// sensitiveFunc marks a value sensitive, as a variable declared sensitive
// is: diagnostics show "(sensitive value)" instead of it.
var sensitiveFunc = function.New(&function.Spec{
	Description: "The value, marked sensitive.",
	Params: []function.Parameter{{
		Name: "value", Type: cty.DynamicPseudoType,
		AllowUnknown: true, AllowNull: true, AllowMarked: true, AllowDynamicType: true,
	}},
	Type: func(args []cty.Value) (cty.Type, error) { return args[0].Type(), nil },
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		return args[0].Mark(sensitiveMark), nil
	},
})

// nonsensitiveFunc removes the sensitive mark of a value (a value that has
// none is returned as it is, as Terraform does since 1.8).
var nonsensitiveFunc = function.New(&function.Spec{
	Description: "The value, no longer marked sensitive.",
	Params: []function.Parameter{{
		Name: "value", Type: cty.DynamicPseudoType,
		AllowUnknown: true, AllowNull: true, AllowMarked: true, AllowDynamicType: true,
	}},
	Type: func(args []cty.Value) (cty.Type, error) { return args[0].Type(), nil },
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v, marks := args[0].Unmark()
		delete(marks, sensitiveMark)
		return v.WithMarks(marks), nil
	},
})

// isSensitiveFunc tells whether a value is marked sensitive.
var isSensitiveFunc = function.New(&function.Spec{
	Description: "Whether the value is marked sensitive.",
	Params: []function.Parameter{{
		Name: "value", Type: cty.DynamicPseudoType,
		AllowUnknown: true, AllowNull: true, AllowMarked: true, AllowDynamicType: true,
	}},
	Type: function.StaticReturnType(cty.Bool),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		return cty.BoolVal(args[0].HasMark(sensitiveMark)), nil
	},
})

// templateStringFunc is Terraform's templatestring(template, vars): the
// string template is rendered as templatefile renders a file's, with vars
// as its variables and funcs (every function but the two template
// functions) as its functions. Terraform insists that the template be a
// reference to a string, not a literal (whose ${…} would be rendered once
// already); here it is the string's value either way.
func templateStringFunc(funcs map[string]function.Function) function.Function {
	return function.New(&function.Spec{
		Description: "Renders the given string as a template with the given variables.",
		Params: []function.Parameter{
			{Name: "template", Type: cty.String},
			{Name: "vars", Type: cty.DynamicPseudoType},
		},
		Type: function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			expr, diags := hclsyntax.ParseTemplate([]byte(args[0].AsString()), "<templatestring>", hcl.InitialPos)
			if diags.HasErrors() {
				return cty.NilVal, function.NewArgError(0, fmt.Errorf("the template is not valid: %s", diagsSummary(diags)))
			}
			vars, err := templateVars(args[1])
			if err != nil {
				return cty.NilVal, function.NewArgError(1, err)
			}
			for _, t := range expr.Variables() {
				if name := t.RootName(); !hasKey(vars, name) {
					return cty.NilVal, function.NewArgError(1, fmt.Errorf("the template refers to %q, which vars does not set (it sets %s)", name, setNames(vars)))
				}
			}
			val, diags := expr.Value(&hcl.EvalContext{Variables: vars, Functions: funcs})
			if diags.HasErrors() {
				return cty.NilVal, fmt.Errorf("rendering the template failed: %s", diagsSummary(diags))
			}
			if !val.IsWhollyKnown() {
				return cty.UnknownVal(cty.String), nil
			}
			out, err := convert.Convert(val, cty.String)
			if err != nil {
				return cty.NilVal, fmt.Errorf("the template renders to %s, not a string", val.Type().FriendlyName())
			}
			return out, nil
		},
	})
}
