package spec

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty/function"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// terraformExamples are examples from Terraform's function documentation
// (developer.hashicorp.com/terraform/language/functions/NAME), each with
// the result the documentation shows. Results are HCL expressions compared
// as JSON; the file functions read files/hello.txt ("hello world").
var terraformExamples = []struct{ expr, want string }{
	// Numbers.
	{`abs(-12.4)`, `12.4`},
	{`ceil(5.1)`, `6`},
	{`floor(4.9)`, `4`},
	{`log(16, 2)`, `4`},
	{`max(12, 54, 3)`, `54`},
	{`min(12, 54, 3)`, `3`},
	{`parseint("FF", 16)`, `255`},
	{`parseint("-10", 16)`, `-16`},
	{`pow(3, 2)`, `9`},
	{`signum(-13)`, `-1`},

	// Strings.
	{`chomp("hello\n")`, `"hello"`},
	{`endswith("hello world", "world")`, `true`},
	{`format("Hello, %s!", "Ander")`, `"Hello, Ander!"`},
	{`formatlist("Hello, %s!", ["Valentina", "Ander", "Olivia", "Sam"])`, `["Hello, Valentina!", "Hello, Ander!", "Hello, Olivia!", "Hello, Sam!"]`},
	{`join(", ", ["foo", "bar", "baz"])`, `"foo, bar, baz"`},
	{`lower("HELLO")`, `"hello"`},
	{`regex("[a-z]+", "53453453.345345aaabbbccc23454")`, `"aaabbbccc"`},
	{`regexall("[a-z]+", "1234abcd5678efgh9")`, `["abcd", "efgh"]`},
	{`replace("1 + 2 + 3", "+", "-")`, `"1 - 2 - 3"`},
	{`replace("hello world", "/w.*d/", "everybody")`, `"hello everybody"`},
	{`split(",", "foo,bar,baz")`, `["foo", "bar", "baz"]`},
	{`startswith("hello world", "hello")`, `true`},
	{`strcontains("hello world", "wor")`, `true`},
	{`strrev("hello")`, `"olleh"`},
	{`substr("hello world", 1, 4)`, `"ello"`},
	{`title("hello world")`, `"Hello World"`},
	{`trim("?!hello?!", "!?")`, `"hello"`},
	{`trimprefix("helloworld", "hello")`, `"world"`},
	{`trimsuffix("helloworld", "world")`, `"hello"`},
	{`trimspace("  hello\n\n")`, `"hello"`},
	{`templatestring("Hello, $${name}!", { name = "world" })`, `"Hello, world!"`},
	{`templatestring("%%{ for x in xs }$${upper(x)} %%{ endfor }", { xs = ["a", "b"] })`, `"A B "`},
	{`upper("hello")`, `"HELLO"`},

	// Collections; length also counts a string's characters and a map's keys.
	{`alltrue(["true", true])`, `true`},
	{`alltrue([true, false])`, `false`},
	{`alltrue([])`, `true`},
	{`anytrue(["true"])`, `true`},
	{`anytrue([true, false])`, `true`},
	{`anytrue([])`, `false`},
	{`chunklist(["a", "b", "c", "d", "e"], 2)`, `[["a", "b"], ["c", "d"], ["e"]]`},
	{`coalesce("a", "b")`, `"a"`},
	{`coalesce("", "b")`, `"b"`},
	{`coalescelist(["a", "b"], ["c", "d"])`, `["a", "b"]`},
	{`compact(["a", "", "b", "c"])`, `["a", "b", "c"]`},
	{`concat(["a", ""], ["b", "c"])`, `["a", "", "b", "c"]`},
	{`contains(["a", "b", "c"], "a")`, `true`},
	{`distinct(["a", "b", "a", "c", "d", "b"])`, `["a", "b", "c", "d"]`},
	{`element(["a", "b", "c"], 1)`, `"b"`},
	{`element(["a", "b", "c"], 3)`, `"a"`},
	{`flatten([["a", "b"], [], ["c"]])`, `["a", "b", "c"]`},
	{`index(["a", "b", "c"], "b")`, `1`},
	{`keys({a = 1, c = 2, d = 3})`, `["a", "c", "d"]`},
	{`length([])`, `0`},
	{`length(["a", "b"])`, `2`},
	{`length({"a" = "b"})`, `1`},
	{`length("hello")`, `5`},
	{`length("👾🕹️")`, `2`},
	{`lookup({a = "ay", b = "bee"}, "a", "what?")`, `"ay"`},
	{`lookup({a = "ay", b = "bee"}, "c", "what?")`, `"what?"`},
	{`matchkeys(["i-123", "i-abc", "i-def"], ["us-west", "us-east", "us-east"], ["us-east"])`, `["i-abc", "i-def"]`},
	{`merge({a = "b", c = "d"}, {e = "f", c = "z"})`, `{a = "b", c = "z", e = "f"}`},
	{`one([])`, `null`},
	{`one(["hello"])`, `"hello"`},
	{`one(toset([]))`, `null`},
	{`one(toset(["hello"]))`, `"hello"`},
	{`range(3)`, `[0, 1, 2]`},
	{`range(1, 8, 2)`, `[1, 3, 5, 7]`},
	{`reverse([1, 2, 3])`, `[3, 2, 1]`},
	{`setintersection(["a", "b"], ["b", "c"], ["b", "d"])`, `["b"]`},
	{`setproduct(["development", "staging"], ["app1", "app2"])`, `[["development", "app1"], ["development", "app2"], ["staging", "app1"], ["staging", "app2"]]`},
	{`setsubtract(["a", "b", "c"], ["a", "c"])`, `["b"]`},
	{`setunion(["a", "b"], ["b", "c"], ["d"])`, `["a", "b", "c", "d"]`},
	{`slice(["a", "b", "c", "d"], 1, 3)`, `["b", "c"]`},
	{`sort(["e", "d", "a", "x"])`, `["a", "d", "e", "x"]`},
	{`sum([10, 13, 6, 4.5])`, `33.5`},
	{`transpose({"a" = ["1", "2"], "b" = ["2", "3"]})`, `{"1" = ["a"], "2" = ["a", "b"], "3" = ["b"]}`},
	{`values({a = 3, c = 2, d = 1})`, `[3, 2, 1]`},
	{`zipmap(["a", "b"], [1, 2])`, `{a = 1, b = 2}`},

	// Encoding.
	{`base64decode("SGVsbG8gV29ybGQ=")`, `"Hello World"`},
	{`base64encode("Hello World")`, `"SGVsbG8gV29ybGQ="`},
	{`csvdecode("a,b,c\n1,2,3\n4,5,6")`, `[{a = "1", b = "2", c = "3"}, {a = "4", b = "5", c = "6"}]`},
	{`jsondecode("{\"hello\": \"world\"}")`, `{hello = "world"}`},
	{`jsonencode({"hello" = "world"})`, `"{\"hello\":\"world\"}"`},
	{`textencodebase64("Hello World", "UTF-16LE")`, `"SABlAGwAbABvACAAVwBvAHIAbABkAA=="`},
	{`textdecodebase64("SABlAGwAbABvACAAVwBvAHIAbABkAA==", "UTF-16LE")`, `"Hello World"`},
	{`urlencode("Hello World!")`, `"Hello+World%21"`},
	{`urlencode("☃")`, `"%E2%98%83"`},
	{`yamldecode("hello: world")`, `{hello = "world"}`},
	{`yamlencode({"a" = "b", "c" = "d"})`, `"\"a\": \"b\"\n\"c\": \"d\"\n"`},
	{`yamlencode({"foo" = [1, 2, 3], "bar" = "baz"})`, `"\"bar\": \"baz\"\n\"foo\":\n- 1\n- 2\n- 3\n"`},
	{`base64gzip("test")`, `"H4sIAAAAAAAA/ypJLS4BAAAA//8BAAD//wx+f9gEAAAA"`}, // Terraform's own test

	// Date and time.
	{`formatdate("DD MMM YYYY hh:mm ZZZ", "2018-01-02T23:12:01Z")`, `"02 Jan 2018 23:12 UTC"`},
	{`timeadd("2017-11-22T00:00:00Z", "10m")`, `"2017-11-22T00:10:00Z"`},
	{`timecmp("2017-11-22T00:00:00Z", "2017-11-22T00:00:00Z")`, `0`},
	{`timecmp("2017-11-22T00:00:00Z", "2017-11-22T01:00:00Z")`, `-1`},
	{`timecmp("2017-11-22T01:00:00Z", "2017-11-22T00:00:00Z")`, `1`},
	{`timecmp("2017-11-22T01:00:00Z", "2017-11-22T00:00:00-01:00")`, `0`},

	// Hashes and crypto.
	{`base64sha256("hello world")`, `"uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="`},
	{`base64sha512("hello world")`, `"MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6TrpzXbw=="`},
	{`md5("hello world")`, `"5eb63bbbe01eeed093cb22bb8f5acdc3"`},
	{`sha1("hello world")`, `"2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"`},
	{`sha256("hello world")`, `"b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"`},
	{`sha512("hello world")`, `"309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f"`},
	{`uuidv5("dns", "www.terraform.io")`, `"a5008fae-b28c-5ba5-96cd-82b4c53552d6"`},
	{`uuidv5("url", "https://www.terraform.io/")`, `"9db6f67c-dd95-5ea0-aa5b-e70e5c5f7cf5"`},
	// The file digests are the string digests of the file's content.
	{`filemd5("files/hello.txt")`, `md5("hello world")`},
	{`filesha1("files/hello.txt")`, `sha1("hello world")`},
	{`filesha256("files/hello.txt")`, `sha256("hello world")`},
	{`filesha512("files/hello.txt")`, `sha512("hello world")`},
	{`filebase64sha256("files/hello.txt")`, `"uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="`},
	{`filebase64sha512("files/hello.txt")`, `base64sha512("hello world")`},
	{`length(bcrypt("hello world"))`, `60`},

	// Networks.
	{`cidrhost("10.12.112.0/20", 16)`, `"10.12.112.16"`},
	{`cidrhost("10.12.112.0/20", 268)`, `"10.12.113.12"`},
	{`cidrnetmask("172.16.0.0/12")`, `"255.240.0.0"`},
	{`cidrsubnet("172.16.0.0/12", 4, 2)`, `"172.18.0.0/16"`},
	{`cidrsubnet("10.1.2.0/24", 4, 15)`, `"10.1.2.240/28"`},
	{`cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)`, `["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"]`},

	// Types, errors and sensitivity.
	{`can(regex("^[a-z]+$", "hello"))`, `true`},
	{`tobool("true")`, `true`},
	{`tolist(["a", "b", "c"])`, `["a", "b", "c"]`},
	{`tomap({"a" = 1, "b" = 2})`, `{a = 1, b = 2}`},
	{`tonumber("1")`, `1`},
	{`toset(["a", "b", "c", "a"])`, `["a", "b", "c"]`},
	{`tostring(1)`, `"1"`},
	{`try(tonumber("x"), 0)`, `0`},
	{`issensitive(1)`, `false`},
	{`issensitive(sensitive(1))`, `true`},
	{`nonsensitive(sensitive("hello"))`, `"hello"`},
	{`issensitive(nonsensitive(sensitive("hello")))`, `false`},
	{`nonsensitive("hello")`, `"hello"`},
	{`issensitive(length(sensitive("hello")))`, `true`},

	// Files, confined to the configuration directory.
	{`basename("foo/bar/baz.txt")`, `"baz.txt"`},
	{`dirname("foo/bar/baz.txt")`, `"foo/bar"`},
	{`file("files/hello.txt")`, `"hello world"`},
	{`filebase64("files/hello.txt")`, `"aGVsbG8gd29ybGQ="`},
	{`fileexists("files/hello.txt")`, `true`},
	{`fileset("files", "*.txt")`, `["hello.txt"]`},
}

func TestTerraformFunctionExamples(t *testing.T) {
	funcs := exampleFunctions(t)
	for _, ex := range terraformExamples {
		got, diags := evalDoc(ex.expr, funcs)
		if diags.HasErrors() {
			t.Errorf("%s: %s", ex.expr, diags.Error())
			continue
		}
		want, diags := evalDoc(ex.want, funcs)
		if diags.HasErrors() {
			t.Errorf("%s: the expected %s: %s", ex.expr, ex.want, diags.Error())
			continue
		}
		got, _ = got.UnmarkDeep()
		want, _ = want.UnmarkDeep()
		if got.IsNull() || want.IsNull() {
			if got.IsNull() != want.IsNull() {
				t.Errorf("%s = %#v, Terraform's documentation says %s", ex.expr, got, ex.want)
			}
			continue
		}
		gj, err := ctyjson.SimpleJSONValue{Value: got}.MarshalJSON()
		if err != nil {
			t.Errorf("%s: %v", ex.expr, err)
			continue
		}
		wj, _ := ctyjson.SimpleJSONValue{Value: want}.MarshalJSON()
		if string(gj) != string(wj) {
			t.Errorf("%s = %s, Terraform's documentation says %s", ex.expr, gj, wj)
		}
	}
}

// TestTerraformFunctionErrors: what Terraform refuses is refused here,
// with its reason.
func TestTerraformFunctionErrors(t *testing.T) {
	funcs := exampleFunctions(t)
	for _, ex := range []struct{ expr, want string }{
		{`one(["hello", "goodbye"])`, "must be a list, set, or tuple value with either zero or one elements"},
		{`sum([])`, "cannot sum an empty list"},
		{`index(["a", "b"], "c")`, "item not found"},
		{`length(1)`, "argument must be a string, a collection type, or a structural type"},
		{`timecmp("yesterday", "2017-11-22T00:00:00Z")`, "not a valid RFC3339 timestamp"},
		{`textencodebase64("x", "no-such-encoding")`, "not a supported IANA encoding"},
		{`replace("a", "/(/", "b")`, "invalid regular expression"},
		{`filemd5("../outside.txt")`, "outside the config directory"},
		{`filebase64sha256("/etc/hostname")`, "outside the config directory"},
		{`timestamp()`, "no function named \"timestamp\""},
		{`plantimestamp()`, "no function named \"plantimestamp\""},
		{`templatestring("$${missing}", {})`, "refers to \"missing\", which vars does not set"},
	} {
		_, diags := evalDoc(ex.expr, funcs)
		if !diags.HasErrors() || !strings.Contains(diags.Error(), ex.want) {
			t.Errorf("%s: %v, want an error saying %q", ex.expr, diags, ex.want)
		}
	}
}

// TestTerraformFunctionsInManifest: the functions work where manifests
// use them.
func TestTerraformFunctionsInManifest(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"files/hello.txt": "hello world",
		"main.attach.hcl": `
locals {
  names = { a = "x", b = "y" }
  n     = length(local.names) + length("abc") + sum([1, 2])
}
target "t" {
  mailbox = "ops@contoso.com"
  message = "AAMk-${local.n}"
}
attachment "a" {
  target = target.t
  source = "files/hello.txt"
  name   = "${one(["hello"])}-${filemd5("files/hello.txt")}.txt"
}
`,
	})
	cfg := mustLoad(t, dir, LoadOptions{})
	if got := cfg.Targets[0].Item.ID; got != "AAMk-8" {
		t.Errorf("message id %q, want AAMk-8", got)
	}
	if got := cfg.Attachments[0].Name; got != "hello-5eb63bbbe01eeed093cb22bb8f5acdc3.txt" {
		t.Errorf("name %q", got)
	}
}

// exampleFunctions is the function table of a configuration directory
// holding files/hello.txt ("hello world").
func exampleFunctions(t *testing.T) map[string]function.Function {
	t.Helper()
	dir := writeConfig(t, map[string]string{"files/hello.txt": "hello world"})
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	return functions(dir, real, false)
}
