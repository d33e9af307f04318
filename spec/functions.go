package spec

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/attachform/attachform/internal/winpath"
	"github.com/hashicorp/go-cty-funcs/collection"
	"github.com/hashicorp/go-cty-funcs/crypto"
	"github.com/hashicorp/go-cty-funcs/encoding"
	"github.com/hashicorp/go-cty-funcs/filesystem"
	"github.com/hashicorp/go-cty-funcs/uuid"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// functions returns the function table. Filesystem functions resolve
// relative paths against the config directory dir, and refuse paths that
// lie outside it (after symlinks, realDir being dir resolved) unless
// allowOutside: a manifest must not be able to read a CI runner's secrets
// into an attachment name.
func functions(dir, realDir string, allowOutside bool) map[string]function.Function {
	fs := fsFuncs{dir: dir, realDir: realDir, allowOutside: allowOutside}
	funcs := map[string]function.Function{
		// Numbers.
		"abs": stdlib.AbsoluteFunc, "ceil": stdlib.CeilFunc, "floor": stdlib.FloorFunc,
		"log": stdlib.LogFunc, "max": stdlib.MaxFunc, "min": stdlib.MinFunc,
		"parseint": stdlib.ParseIntFunc, "pow": stdlib.PowFunc, "signum": stdlib.SignumFunc,
		// Strings.
		"chomp": stdlib.ChompFunc, "format": stdlib.FormatFunc, "formatlist": stdlib.FormatListFunc,
		"indent": stdlib.IndentFunc, "join": stdlib.JoinFunc, "lower": stdlib.LowerFunc,
		"regex": stdlib.RegexFunc, "regexall": stdlib.RegexAllFunc,
		"split": stdlib.SplitFunc, "strrev": stdlib.ReverseFunc, "substr": stdlib.SubstrFunc,
		"title": stdlib.TitleFunc, "trim": stdlib.TrimFunc, "trimprefix": stdlib.TrimPrefixFunc,
		"trimsuffix": stdlib.TrimSuffixFunc, "trimspace": stdlib.TrimSpaceFunc, "upper": stdlib.UpperFunc,
		"startswith": stringPredicate(strings.HasPrefix), "endswith": stringPredicate(strings.HasSuffix),
		"strcontains": stringPredicate(strings.Contains),
		// Collections.
		"chunklist": stdlib.ChunklistFunc, "coalesce": collection.CoalesceFunc, "coalescelist": stdlib.CoalesceListFunc,
		"compact": stdlib.CompactFunc, "concat": stdlib.ConcatFunc, "contains": stdlib.ContainsFunc,
		"distinct": stdlib.DistinctFunc, "element": stdlib.ElementFunc, "flatten": stdlib.FlattenFunc,
		"keys": stdlib.KeysFunc, "lookup": stdlib.LookupFunc,
		"merge": stdlib.MergeFunc, "range": stdlib.RangeFunc, "reverse": stdlib.ReverseListFunc,
		"setintersection": stdlib.SetIntersectionFunc, "setproduct": stdlib.SetProductFunc,
		"setsubtract": stdlib.SetSubtractFunc, "setunion": stdlib.SetUnionFunc, "slice": stdlib.SliceFunc,
		"sort": stdlib.SortFunc, "values": stdlib.ValuesFunc, "zipmap": stdlib.ZipmapFunc,
		// Encoding.
		"base64decode": encoding.Base64DecodeFunc, "base64encode": encoding.Base64EncodeFunc,
		"csvdecode": stdlib.CSVDecodeFunc, "jsondecode": stdlib.JSONDecodeFunc,
		"jsonencode": stdlib.JSONEncodeFunc, "urlencode": encoding.URLEncodeFunc,
		// Date and time (no timestamp(): a manifest must evaluate the same every run).
		"formatdate": stdlib.FormatDateFunc, "timeadd": stdlib.TimeAddFunc,
		// Hashes and ids.
		"md5": crypto.Md5Func, "sha1": crypto.Sha1Func, "sha256": crypto.Sha256Func, "sha512": crypto.Sha512Func,
		"uuid": uuid.V4Func, "uuidv5": uuid.V5Func,
		// Type conversion and error handling.
		"tobool": stdlib.MakeToFunc(cty.Bool), "tolist": stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"tomap": stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)), "tonumber": stdlib.MakeToFunc(cty.Number),
		"toset": stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)), "tostring": stdlib.MakeToFunc(cty.String),
		"try": tryfunc.TryFunc, "can": tryfunc.CanFunc,
		// Filesystem, against the config directory.
		"file":       fs.guard(filesystem.MakeFileFunc(dir, false), true),
		"filebase64": fs.guard(filesystem.MakeFileFunc(dir, true), true),
		"fileexists": fs.guard(filesystem.MakeFileExistsFunc(dir), false),
		"fileset":    fs.fileset(),
		"filesha256": fs.guard(fileDigestFunc(sha256.New, hex.EncodeToString), true),
		"filesize":   fs.guard(fileSizeFunc, true),
		"basename":   filesystem.BasenameFunc,
		"dirname":    filesystem.DirnameFunc,
		"pathexpand": filesystem.PathExpandFunc,
		"abspath":    fs.abspath(),
	}
	maps.Copy(funcs, terraformFunctions(fs))
	// The template functions render with every function but themselves.
	inner := maps.Clone(funcs)
	funcs["templatefile"] = fs.templatefile(inner)
	funcs["templatestring"] = templateStringFunc(inner)
	return funcs
}

type fsFuncs struct {
	dir, realDir string
	allowOutside bool
}

// resolve makes p absolute against the config directory and refuses it
// when it lies outside (after symlinks). It returns the real path, symlinks
// resolved, so that the file read is the one checked. A path that does not
// exist is returned as written (when inside), for the function itself to
// report.
func (fs fsFuncs) resolve(p string) (string, error) {
	if strings.HasPrefix(p, "~") && !fs.allowOutside {
		return "", fmt.Errorf("%s is outside the config directory; paths are relative to it, and ~ is not expanded", p)
	}
	if strings.HasPrefix(p, "~") {
		if exp, err := filesystem.Pathexpand(cty.StringVal(p)); err == nil {
			p = exp.AsString()
		}
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(fs.dir, p)
	}
	p = filepath.Clean(p)
	if fs.allowOutside {
		return p, nil
	}
	real, err := confinedPath(fs.dir, fs.realDir, p)
	if winpath.Host && !errors.Is(err, errOutside) {
		// Also the path as written, which may not exist (yet): "CON" is
		// a device whether or not a file of that name is there.
		if rel, rerr := filepath.Rel(fs.dir, p); rerr == nil {
			if nerr := winpath.CheckPath(rel); nerr != nil {
				err = nerr
			}
		}
	}
	switch {
	case errors.Is(err, winpath.ErrName):
		return "", fmt.Errorf("%s: %v", p, err)
	case err == nil:
		return real, nil
	case errors.Is(err, errOutside):
		if real, rerr := filepath.EvalSymlinks(p); rerr == nil && real != p {
			return "", fmt.Errorf("%s resolves to %s, outside the config directory %s; attachform reads only files inside it unless run with -allow-outside-sources", p, real, fs.dir)
		}
		return "", fmt.Errorf("%s is outside the config directory %s; attachform reads only files inside it unless run with -allow-outside-sources", p, fs.dir)
	case !inside(fs.dir, p): // missing: check the path as written
		return "", fmt.Errorf("%s is outside the config directory %s; attachform reads only files inside it unless run with -allow-outside-sources", p, fs.dir)
	}
	return p, nil
}

// inside reports whether path lies in dir (or is dir). On Windows it is
// winpath.Inside: drives, shares and device paths, names without case.
func inside(dir, path string) bool {
	if winpath.Host {
		return winpath.Inside(dir, path)
	}
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// guard wraps f, whose first argument is a path, so that the path is
// resolved and checked first. With regular, a path that exists must be a
// regular file: reading a named pipe or a device would block or never end.
func (fs fsFuncs) guard(f function.Function, regular bool) function.Function {
	return function.New(&function.Spec{
		Description: f.Description(),
		Params:      f.Params(),
		Type:        f.ReturnTypeForValues,
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p, err := fs.resolve(args[0].AsString())
			if err != nil {
				return cty.NilVal, function.NewArgError(0, err)
			}
			if fi, err := os.Stat(p); regular && err == nil && !fi.Mode().IsRegular() {
				return cty.NilVal, function.NewArgError(0, fmt.Errorf("%s is not a regular file", args[0].AsString()))
			}
			args = append([]cty.Value(nil), args...)
			args[0] = cty.StringVal(p)
			return f.Call(args)
		},
	})
}

// fileset is go-cty-funcs' fileset with the base path checked and the
// pattern kept inside the config directory.
//
// A table's fileset answers the same arguments once: a configuration that
// calls fileset("files", "*") in a thousand blocks reads the directory
// once per load (each load makes a new table).
func (fs fsFuncs) fileset() function.Function {
	inner := filesystem.MakeFileSetFunc(fs.dir)
	type answer struct {
		set cty.Value
		err error
	}
	var mu sync.Mutex
	memo := map[[2]string]answer{}
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}, {Name: "pattern", Type: cty.String}},
		Type:   function.StaticReturnType(cty.Set(cty.String)),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			key := [2]string{args[0].AsString(), args[1].AsString()}
			mu.Lock()
			a, ok := memo[key]
			mu.Unlock()
			if ok {
				return a.set, a.err
			}
			a.set, a.err = fs.filesetCall(inner, args)
			mu.Lock()
			memo[key] = a
			mu.Unlock()
			return a.set, a.err
		},
	})
}

func (fs fsFuncs) filesetCall(inner function.Function, args []cty.Value) (cty.Value, error) {
	base, err := fs.resolve(args[0].AsString())
	if err != nil {
		return cty.NilVal, function.NewArgError(0, err)
	}
	pattern := args[1].AsString()
	if full := filepath.Join(base, pattern); !fs.allowOutside && !inside(fs.dir, full) && !inside(fs.realDir, full) {
		return cty.NilVal, function.NewArgError(1, fmt.Errorf("the pattern %q reaches outside the config directory", pattern))
	}
	set, err := inner.Call([]cty.Value{cty.StringVal(base), args[1]})
	if err != nil || fs.allowOutside || !set.IsKnown() || set.LengthInt() == 0 {
		return set, err
	}
	// A match may be a symbolic link (or lie under one) leading
	// outside: it is left out, as if it did not match.
	var kept []cty.Value
	for it := set.ElementIterator(); it.Next(); {
		_, v := it.Element()
		if _, err := confinedPath(fs.dir, fs.realDir, filepath.Join(base, filepath.FromSlash(v.AsString()))); err == nil {
			kept = append(kept, v)
		}
	}
	if len(kept) == 0 {
		return cty.SetValEmpty(cty.String), nil
	}
	return cty.SetVal(kept), nil
}

// abspath resolves against the config directory, not the process's
// working directory, so that a manifest means the same wherever it runs.
func (fs fsFuncs) abspath() function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := args[0].AsString()
			if !filepath.IsAbs(p) {
				p = filepath.Join(fs.dir, p)
			}
			return cty.StringVal(filepath.ToSlash(filepath.Clean(p))), nil
		},
	})
}

// fileSizeFunc returns a file's length in bytes.
var fileSizeFunc = function.New(&function.Spec{
	Description: "The file's length in bytes.",
	Params:      []function.Parameter{{Name: "path", Type: cty.String}},
	Type:        function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		f, err := openRegular(args[0].AsString())
		if err != nil {
			return cty.NilVal, err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return cty.NilVal, err
		}
		return cty.NumberIntVal(fi.Size()), nil
	},
})

func openRegular(path string) (*os.File, error) {
	fi, err := os.Stat(path)
	switch {
	case os.IsNotExist(err):
		return nil, fmt.Errorf("no file exists at %s", path)
	case err != nil:
		return nil, fmt.Errorf("cannot read %s", path)
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot open %s", path)
	}
	return f, nil
}

// stringPredicate makes startswith, endswith and strcontains (Terraform's
// names) from the strings function that answers them.
func stringPredicate(f func(s, sub string) bool) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "str", Type: cty.String}, {Name: "substr", Type: cty.String}},
		Type:   function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return cty.BoolVal(f(args[0].AsString(), args[1].AsString())), nil
		},
	})
}
