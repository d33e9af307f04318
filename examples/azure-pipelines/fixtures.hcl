# The items the manifests in attachments/ look up, for the dry run: the
# emulator creates them at start (attachform emulator -fixtures fixtures.hcl),
# so the unchanged manifests plan against it. Keep the subjects in step with
# the data sources' filters. The format: docs/emulator.md, "Fixtures".

mailbox "ops@contoso.com" {
  message "Welcome to the team" {}

  event "All hands Q3" {
    # Already on the event: nobody declares it and the target is not
    # exclusive, so the plan leaves it alone.
    attachment "Seating plan.txt" {
      source = "files/seating-plan.txt"
    }
  }
}
