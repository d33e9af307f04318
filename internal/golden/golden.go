// Package golden holds a file format to the bytes of a golden file, for
// tests: what a value encodes to, and what the file decodes and encodes
// back to. The formats it guards (the state, the saved plan) are files
// users keep, not outputs to regenerate lightly.
package golden

import (
	"bytes"
	"io"
	"os"
	"testing"
)

// Format is one file format: how a value is written and read back.
type Format[T any] struct {
	Noun   string // for failures: "the state", "the saved plan"
	Encode func(io.Writer, T) error
	Decode func(io.Reader) (T, error)
}

// Check fails t unless value encodes to exactly file's bytes, and file
// decodes and encodes again to exactly its bytes. With update, file is
// first rewritten from value.
func Check[T any](t *testing.T, f Format[T], file string, value T, update bool) {
	t.Helper()
	var got bytes.Buffer
	if err := f.Encode(&got, value); err != nil {
		t.Fatal(err)
	}
	if update {
		if err := os.WriteFile(file, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("%s encodes differently from %s:\n%s", f.Noun, file, got.Bytes())
	}
	read, err := f.Decode(bytes.NewReader(want))
	if err != nil {
		t.Fatalf("%s in %s does not decode: %v", f.Noun, file, err)
	}
	var again bytes.Buffer
	if err := f.Encode(&again, read); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), want) {
		t.Errorf("%s decoded and encoded again differs:\n%s", file, again.Bytes())
	}
}
