package plan

// ShortID is how a plan abbreviates an attachment id for people: its
// reasons do, and its views must too, so both name an object alike.
func ShortID(id string) string { return shortID(id) }
