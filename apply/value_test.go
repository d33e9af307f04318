package apply_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/attachform/attachform/apply"
)

// A plan and the state it was made from are values: applying them changes
// neither, however many changes of one kind run at once.
func TestApplyLeavesThePlanAndTheStateAsTheyWere(t *testing.T) {
	e := newEnv(t)
	var sources []string
	for i := range 12 {
		name := "files/f" + string(rune('a'+i)) + ".txt"
		e.write(name, content(100+i, byte(i)))
		sources = append(sources, name)
	}
	e.manifest(sources...)
	if _, res, err := e.apply(context.Background(), apply.Options{}); err != nil || len(res.Errors) > 0 {
		t.Fatalf("first apply: %v %v", err, res.Errors)
	}
	e.manifest(sources[11:]...) // remove 11 of 12
	p, st := e.plan()
	// The serialised form holds every field the plan's views show.
	marshal := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	planJSON, stateJSON := marshal(p), marshal(st)
	if _, res, err := apply.Run(context.Background(), p, st, e.backend, e.client, apply.Options{Parallelism: 1, Now: e.clock.Now}); err != nil || len(res.Errors) > 0 {
		t.Fatalf("apply: %v %v", err, res.Errors)
	}
	if !bytes.Equal(marshal(p), planJSON) {
		t.Error("the plan reads differently after apply")
	}
	if !bytes.Equal(marshal(st), stateJSON) {
		t.Error("apply changed the state it was given")
	}
	if got := e.live(); len(got) != 1 || got["fl.txt"] == nil {
		t.Errorf("Graph holds %d attachments; want fl.txt only", len(got))
	}
}
