package spec

import (
	"slices"

	"github.com/attachform/attachform/item"
	"github.com/hashicorp/hcl/v2"
)

// The schemas below are the whole manifest language. Anything not named
// here is an error ("Unsupported argument", "Unsupported block type"), never
// silently ignored: a typo must not turn into a setting that does nothing.

var rootSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "graph"},
		{Type: "backend", LabelNames: []string{"type"}},
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "locals"},
		{Type: "data", LabelNames: []string{"kind", "name"}},
		{Type: "target", LabelNames: []string{"name"}},
		{Type: "attachment", LabelNames: []string{"name"}},
		{Type: "moved"},
		{Type: "import"},
	},
}

var graphSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "endpoint"},
		{Name: "cloud"},
		{Name: "tenant_id"},
		{Name: "client_id"},
		{Name: "auth"},
		{Name: "mailbox_concurrency"},
		{Name: "mailbox_upload_limit"},
		{Name: "mailbox_request_limit"},
		{Name: "max_message_size"},
		{Name: "max_retry_after"},
		{Name: "idle_timeout"},
		{Name: "response_timeout"},  // removed: a diagnostic says what replaced it
		{Name: "min_transfer_rate"}, // removed: likewise
		{Name: "mass_destroy_threshold"},
		{Name: "mass_destroy_minimum"},
	},
}

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "type"},
		{Name: "default"},
		{Name: "description"},
		{Name: "sensitive"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "validation"}},
}

var validationSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "condition", Required: true},
		{Name: "error_message", Required: true},
	},
}

// metaArguments are the arguments every data and target block takes
// besides its own: Terraform's repetition meta-arguments.
var metaArguments = []hcl.AttributeSchema{{Name: "for_each"}, {Name: "count"}}

// withMeta is schema with the meta-arguments added.
func withMeta(schema *hcl.BodySchema) *hcl.BodySchema {
	out := *schema
	out.Attributes = append(append([]hcl.AttributeSchema(nil), schema.Attributes...), metaArguments...)
	return &out
}

// dataSchemas lists, per data source kind, the attributes of its query
// (the meta-arguments are added where the block is decoded): the item
// kinds' data sources from item's table — each takes its owner, its
// parent's id if it has one, and what chooses, all required; the plurals
// may find nothing (datakinds.go) — and the people's.
var dataSchemas = func() map[string]*hcl.BodySchema {
	m := map[string]*hcl.BodySchema{
		// The people (datakinds.go): a group by name or id, users by filter.
		"group": {Attributes: []hcl.AttributeSchema{
			{Name: "name"},
			{Name: "id"},
		}},
		"users": {Attributes: []hcl.AttributeSchema{
			{Name: "filter", Required: true},
		}},
	}
	for _, s := range item.DataSources() {
		schema := &hcl.BodySchema{}
		for _, a := range s.Arguments() {
			schema.Attributes = append(schema.Attributes, hcl.AttributeSchema{Name: a, Required: true})
		}
		m[s.Name] = schema
	}
	return m
}()

// targetSchema is the target block's: the owner's mailbox, then each
// kind's argument naming the item, after its parent's (todo_list before
// todo_task), from item's table. Which one names the item, and whether
// the parent is needed, evalTargetInstance checks.
var targetSchema = targetSchemaOf(item.Definitions())

// targetSchemaOf is the target block's schema for the kinds defs.
func targetSchemaOf(defs []item.Definition) *hcl.BodySchema {
	schema := &hcl.BodySchema{}
	var owners []string
	for _, d := range defs {
		if a := d.Owner.Argument(); !slices.Contains(owners, a) {
			owners = append(owners, a)
		}
	}
	// One owner argument for every kind is required by the schema; with
	// several, the target's kind says which it needs.
	for _, a := range owners {
		schema.Attributes = append(schema.Attributes, hcl.AttributeSchema{Name: a, Required: len(owners) == 1})
	}
	for _, d := range defs {
		if d.Parent != nil && !slices.ContainsFunc(schema.Attributes, func(a hcl.AttributeSchema) bool { return a.Name == d.Parent.Argument }) {
			schema.Attributes = append(schema.Attributes, hcl.AttributeSchema{Name: d.Parent.Argument})
		}
		schema.Attributes = append(schema.Attributes, hcl.AttributeSchema{Name: string(d.Kind)})
	}
	schema.Attributes = append(schema.Attributes, hcl.AttributeSchema{Name: "exclusive"})
	return schema
}

var attachmentSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "for_each"},
		{Name: "count"},
		{Name: "target", Required: true},
		{Name: "source", Required: true},
		{Name: "name"},
		{Name: "content_type"},
		{Name: "inline"},
		{Name: "content_id"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "lifecycle"}},
}

var lifecycleSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "prevent_destroy"},
		{Name: "create_before_destroy"},
	},
}

var movedSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "from", Required: true},
		{Name: "to", Required: true},
	},
}

var importSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "for_each"},
		{Name: "to", Required: true},
		{Name: "id", Required: true},
	},
}
