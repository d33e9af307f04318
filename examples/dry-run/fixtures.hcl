# Fixtures for a dry run of the manifests in attachments/: the mailbox and
# the items their data sources look up, by the same subjects. Start the
# emulator with them, and it creates them before it serves a request:
#
#   attachform emulator -fixtures fixtures.hcl
#
# The format is in the emulator's package documentation ("Fixtures"):
# mailbox blocks named by UPN hold message and event blocks named by
# subject, and todo_list blocks (by display name) holding todo_task blocks
# (by title); any of those items may hold attachment blocks, named as the
# attachment, whose source is a file relative to this one. Mistakes stop the
# emulator before it starts, with file and line.

mailbox "ops@contoso.com" {
  # A draft, in drafts unless folder names another well-known folder.
  message "Welcome to the team" {}

  event "All hands Q3" {
    # Already on the event before attachform runs. No manifest declares it
    # and the target is not exclusive, so the plan leaves it alone.
    attachment "Seating plan.txt" {
      source = "files/seating-plan.txt"
    }
  }

  # To Do works the same way, should a manifest target a task:
  #
  #   todo_list "Onboarding" {
  #     todo_task "Read the handbook" {}
  #   }
  #
  # (Graph supports no application permission for writing To Do
  # attachments: such a manifest must run as a signed-in user, not with the
  # app-only credentials of the GitHub Actions example.)
}
