package spec

import "context"

// BatchResolver is a DataResolver that answers many queries in one call,
// so that it can send them together (Graph's $batch) and ask each distinct
// query once. spec asks every instance of a data block at once when
// LoadOptions.Data is one.
type BatchResolver interface {
	// LookupAll answers qs in order: each result as Lookup would return
	// it.
	LookupAll(ctx context.Context, qs []DataQuery) []DataResult
}

// DataResult is one query's answer.
type DataResult struct {
	Items []DataItem
	Err   error
}
